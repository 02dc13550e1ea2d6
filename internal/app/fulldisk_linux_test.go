package app

import (
	"bytes"
	"encoding/json"
	"errors"
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

	// Ballast: leave about 64 KiB free.
	ballast := filepath.Join(dir, "ballast")
	fill(t, dir, ballast, 64<<10)

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
	// The refused create leaves a few KiB free, room enough for the
	// probe's small write, so take them too: the disk is then full for
	// every write.
	fill(t, dir, ballast, 0)
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

// fill appends to the file ballast until dir has at most leave bytes free
// or the disk refuses more (ENOSPC): the server writes to the same disk
// meanwhile, so the free space is a moving target.
func fill(t *testing.T, dir, ballast string, leave int64) {
	t.Helper()
	f, err := os.OpenFile(ballast, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const page = 4 << 10
	for {
		var st syscall.Statfs_t
		if err := syscall.Statfs(dir, &st); err != nil {
			t.Fatal(err)
		}
		free := int64(st.Bavail) * st.Bsize
		if free <= leave {
			return
		}
		n := min(free-leave, 1<<20)
		if n > page {
			n = n / page * page
		}
		if _, err := f.Write(make([]byte, n)); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				return
			}
			t.Fatal(err)
		}
	}
}
