package sqlite_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"agentshop/internal/apikey"
	"agentshop/internal/commerce"
	"agentshop/internal/store"
	"agentshop/internal/store/sqlite"
	"agentshop/internal/store/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return mustOpen(t, filepath.Join(t.TempDir(), "agentshop.db"))
	})
}

// mustOpen opens a database at path and closes it when the test ends.
func mustOpen(tb testing.TB, path string) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(tb.Context(), path, sqlite.WithSecrets(storetest.Box()))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Error(err)
		}
	})
	return db
}

// Processes starting together on a new file apply each migration once, and
// reopening finds the file migrated.
func TestOpenConcurrently(t *testing.T) {
	path := filepath.Join(t.TempDir(), "agentshop.db")
	const n = 4
	errs := make(chan error, n)
	for range n {
		go func() {
			db, err := sqlite.Open(t.Context(), path)
			if err == nil {
				err = db.Close()
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	db := mustOpen(t, path)
	if err := db.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func TestOpenRejectsMemory(t *testing.T) {
	if _, err := sqlite.Open(t.Context(), ":memory:"); err == nil {
		t.Fatal("Open(:memory:) succeeded; the read pool would see another database")
	}
}

// A payment or order for a session that does not exist is ErrNotFound.
func TestForeignKeys(t *testing.T) {
	db := mustOpen(t, filepath.Join(t.TempDir(), "agentshop.db"))
	err := db.CreatePayment(t.Context(), &commerce.Payment{ID: "pay_1", SessionID: "cs_missing", Attempt: 1, Status: commerce.PaymentPending})
	if !errors.Is(err, commerce.ErrNotFound) {
		t.Errorf("create payment of unknown session: %v, want ErrNotFound", err)
	}
	err = db.CreateOrder(t.Context(), &commerce.Order{ID: "ord_1", SessionID: "cs_missing"})
	if !errors.Is(err, commerce.ErrNotFound) {
		t.Errorf("create order of unknown session: %v, want ErrNotFound", err)
	}
}

// Close releases every file of the database: the connections' and the
// checkpointer's descriptor of the database file.
func TestCloseReleasesFiles(t *testing.T) {
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		t.Skip("no /proc/self/fd on this system")
	}
	dir := t.TempDir()
	openIn := func() int {
		fds, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, fd := range fds {
			target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
			if err == nil && strings.HasPrefix(target, dir+string(filepath.Separator)) {
				n++
			}
		}
		return n
	}
	db, err := sqlite.Open(t.Context(), filepath.Join(dir, "agentshop.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SeedStock(t.Context(), map[string]int64{"a": 1}); err != nil {
		t.Fatal(err)
	}
	if n := openIn(); n == 0 {
		t.Fatal("no open file of the database found while it is open")
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if n := openIn(); n != 0 {
		t.Errorf("%d files of the database still open after Close", n)
	}
}

// Without a master key the store keeps keys without signing secrets and
// refuses to write a signing secret at all (never in clear).
func TestNoMasterKeyNoSigningSecret(t *testing.T) {
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "agentshop.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	secret, k := apikey.New("plain", time.Now())
	if err := db.CreateAPIKey(t.Context(), k); err != nil {
		t.Fatalf("key without signing secret: %v", err)
	}
	_, k2 := apikey.New("signed", time.Now())
	k2.SigningSecret = "whsec_" + secret
	if err := db.CreateAPIKey(t.Context(), k2); !errors.Is(err, apikey.ErrNoMasterKey) {
		t.Fatalf("signing secret without a master key: %v, want ErrNoMasterKey", err)
	}
	if counts, err := db.SealedSecrets(t.Context()); err != nil || len(counts) != 0 {
		t.Errorf("secrets stored: %v, %v; want none", counts, err)
	}
}
