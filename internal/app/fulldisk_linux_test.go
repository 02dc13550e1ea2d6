package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestFullDisk runs the server on SQLite in a 4 MiB tmpfs (root only: it
// mounts one), fills the disk, and checks that creates answer 503
// service_unavailable with Retry-After, not 500; that /readyz says not
// ready; and that once there is room again /readyz is ready and the
// refused request, sent again with its Idempotency-Key, is created anew
// (a 5xx is never stored, and it left nothing half-written).
func TestFullDisk(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=4m"); err != nil {
		t.Skipf("cannot mount a tmpfs (needs root): %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	cfg := testConfig(t)
	cfg.Data = filepath.Join(dir, "data")
	cfg.AgentAPIKey = "sk_test_fulldisk"
	a := newApp(t, cfg, Options{})
	if err := a.EnsureAPIKey(t.Context(), &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)

	// Ballast: leave 64 KiB free.
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	ballast := filepath.Join(dir, "ballast")
	if err := os.WriteFile(ballast, make([]byte, int64(st.Bavail)*st.Bsize-64<<10), 0o600); err != nil {
		t.Fatal(err)
	}

	create := func(idem string) *http.Response {
		t.Helper()
		body := `{"currency":"usd","line_items":[{"id":"` + a.Catalog.Items()[0].ID + `","quantity":1}]}`
		req, _ := http.NewRequest("POST", srv.URL+"/checkout_sessions", bytes.NewBufferString(body))
		req.Header.Set("Authorization", "Bearer "+cfg.AgentAPIKey)
		req.Header.Set("API-Version", "2026-04-17")
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", idem)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { res.Body.Close() })
		return res
	}
	readyz := func() int {
		t.Helper()
		res, err := http.Get(srv.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}

	var refused string
	for i := 0; refused == ""; i++ {
		if i == 2000 {
			t.Fatal("2000 sessions fit in 64 KiB")
		}
		idem := fmt.Sprintf("full-%d", i)
		res := create(idem)
		switch res.StatusCode {
		case http.StatusCreated:
		case http.StatusServiceUnavailable:
			var e struct{ Type, Code string }
			if err := json.NewDecoder(res.Body).Decode(&e); err != nil || e.Type != "service_unavailable" || res.Header.Get("Retry-After") == "" {
				t.Fatalf("503 on a full disk: %+v (%v), Retry-After %q; want type service_unavailable and a Retry-After", e, err, res.Header.Get("Retry-After"))
			}
			refused = idem
		default:
			t.Fatalf("create on a full disk: %d, want 201 or 503", res.StatusCode)
		}
	}
	if got := readyz(); got != http.StatusServiceUnavailable {
		t.Errorf("/readyz on a full disk: %d, want 503", got)
	}

	if err := os.Remove(ballast); err != nil {
		t.Fatal(err)
	}
	if got := readyz(); got != http.StatusOK {
		t.Errorf("/readyz with room again: %d, want 200", got)
	}
	if res := create(refused); res.StatusCode != http.StatusCreated || res.Header.Get("Idempotent-Replayed") != "" {
		t.Errorf("the refused create sent again: %d, Idempotent-Replayed %q; want a new 201", res.StatusCode, res.Header.Get("Idempotent-Replayed"))
	}
}
