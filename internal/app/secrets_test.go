package app

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"agentshop/internal/admin"
	"agentshop/internal/apikey"
	"agentshop/internal/secretbox"
)

// signedKey creates a key with a signing secret in a and returns it as
// created (secret in clear, in memory only).
func signedKey(t *testing.T, a *App) *apikey.Key {
	t.Helper()
	_, k, err := a.Admin.CreateAPIKey(t.Context(), admin.KeyInput{Name: "signed", Signing: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if k.SigningSecret == "" {
		t.Fatal("no signing secret")
	}
	return k
}

// readBack returns the signing secret of k as a fresh app on cfg reads it.
func readBack(t *testing.T, cfg Config, k *apikey.Key) (string, error) {
	t.Helper()
	a, err := New(t.Context(), cfg, Options{Logs: io.Discard, Existing: true})
	if err != nil {
		return "", err
	}
	defer a.Close()
	got, err := a.Store.APIKeyByHash(t.Context(), k.Hash)
	if err != nil {
		return "", err
	}
	return got.SigningSecret, nil
}

// onDisk reports whether any file of the data directory but the key files
// holds s.
func onDisk(t *testing.T, dir, s string) bool {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), MasterKeyFileName) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(s)) {
			return true
		}
	}
	return false
}

func keyID(t *testing.T, file string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	k, err := secretbox.ParseKey(string(b))
	if err != nil {
		t.Fatal(err)
	}
	return k.ID()
}

// TestMasterKeyFirstStart: the first start of a SQLite database without a
// key generates <data>/master.key (0600) and says so; signing secrets are
// on disk only encrypted; without the file, a start with encrypted rows
// fails clearly and generates nothing; a wrong key fails naming both ids.
func TestMasterKeyFirstStart(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	var logs bytes.Buffer
	cfg.LogLevel = "warn"
	a := newApp(t, cfg, Options{Logs: &logs})
	file := filepath.Join(cfg.Data, MasterKeyFileName)
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatalf("no key file generated: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	if !strings.Contains(logs.String(), "GENERATED A MASTER KEY") || !strings.Contains(logs.String(), file) {
		t.Errorf("the generated key is not announced:\n%s", logs.String())
	}
	k := signedKey(t, a)
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if onDisk(t, cfg.Data, k.SigningSecret) {
		t.Fatal("the signing secret is on disk in clear")
	}
	if got, err := readBack(t, cfg, k); err != nil || got != k.SigningSecret {
		t.Fatalf("read back with the key file: %q, %v", got, err)
	}

	// The key file gone: a clear error, and no new key written.
	if err := os.Rename(file, file+".bak"); err != nil {
		t.Fatal(err)
	}
	for _, existing := range []bool{false, true} {
		_, err := New(t.Context(), cfg, Options{Logs: io.Discard, Existing: existing})
		if err == nil || !strings.Contains(err.Error(), "encrypted secrets") || !strings.Contains(err.Error(), "AGENTSHOP_MASTER_KEY") {
			t.Errorf("start (existing %t) without the key: %v, want a clear error", existing, err)
		}
	}
	if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a start without the key wrote a new key file: %v", err)
	}

	// A wrong key, by environment.
	_, text := secretbox.GenerateKey()
	wrong := cfg
	wrong.MasterKey = text
	_, err = New(t.Context(), wrong, Options{Logs: io.Discard, Existing: true})
	if err == nil || !strings.Contains(err.Error(), keyID(t, file+".bak")) {
		t.Errorf("start with a wrong key: %v, want an error naming key %s", err, keyID(t, file+".bak"))
	}

	// Both a key and a key file: refused.
	both := wrong
	both.MasterKeyFile = file + ".bak"
	if _, err := New(t.Context(), both, Options{Logs: io.Discard, Existing: true}); err == nil || !strings.Contains(err.Error(), "not both") {
		t.Errorf("key and key file: %v, want refused", err)
	}
	// The right key by --master-key-file.
	right := cfg
	right.MasterKeyFile = file + ".bak"
	if got, err := readBack(t, right, k); err != nil || got != k.SigningSecret {
		t.Errorf("read back with --master-key-file: %q, %v", got, err)
	}
}

// TestRotateMasterKey: rotation in place of the default key file
// re-encrypts every secret, replaces the file, and is safe to rerun; an
// interrupted rotation (new key staged, rows re-encrypted, file not yet
// replaced) still starts and is finished by a rerun.
func TestRotateMasterKey(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	file := filepath.Join(cfg.Data, MasterKeyFileName)
	a := newApp(t, cfg, Options{})
	k1, k2 := signedKey(t, a), signedKey(t, a)
	a.Close()
	oldID := keyID(t, file)
	oldKey, _ := os.ReadFile(file)

	admin := newApp(t, cfg, Options{Existing: true})
	res, err := admin.RotateMasterKey(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	admin.Close()
	if res.Resealed != 2 || !res.Replaced || res.File != file || res.KeyID == oldID || keyID(t, file) != res.KeyID {
		t.Fatalf("rotate = %+v (old key %s, file key %s)", res, oldID, keyID(t, file))
	}
	if _, err := os.Stat(file + ".new"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("staged key left behind: %v", err)
	}
	for _, k := range []*apikey.Key{k1, k2} {
		if got, err := readBack(t, cfg, k); err != nil || got != k.SigningSecret {
			t.Errorf("after rotation: %q, %v", got, err)
		}
	}
	// The old key no longer opens anything.
	old := cfg
	old.MasterKey = string(oldKey)
	if _, err := New(t.Context(), old, Options{Logs: io.Discard, Existing: true}); err == nil {
		t.Error("the old key still opens the database after rotation")
	}
	// Run again once finished, it is a new rotation (a new key), and it
	// too leaves every secret readable.
	admin = newApp(t, cfg, Options{Existing: true})
	if res, err = admin.RotateMasterKey(t.Context(), ""); err != nil || res.Resealed != 2 {
		t.Fatalf("second rotation: %+v, %v", res, err)
	}
	admin.Close()

	// Interrupted after the transaction: the new key staged, the rows
	// under it, the file not replaced.
	staged, text := secretbox.GenerateKey()
	if err := writeKeyFile(file+".new", text); err != nil {
		t.Fatal(err)
	}
	cur, err := secretbox.ParseKey(string(mustRead(t, file)))
	if err != nil {
		t.Fatal(err)
	}
	st, err := OpenStore(t.Context(), cfg, true)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := st.ResealSecrets(t.Context(), secretbox.NewBox(staged, cur)); err != nil || n != 2 {
		t.Fatalf("simulated interrupted rotation: %d, %v", n, err)
	}
	st.Close()
	for _, k := range []*apikey.Key{k1, k2} {
		if got, err := readBack(t, cfg, k); err != nil || got != k.SigningSecret {
			t.Fatalf("start after an interrupted rotation: %q, %v", got, err)
		}
	}
	admin = newApp(t, cfg, Options{Existing: true})
	res, err = admin.RotateMasterKey(t.Context(), "")
	if err != nil || res.Resealed != 0 || res.KeyID != staged.ID() || !res.Replaced {
		t.Fatalf("finish an interrupted rotation: %+v, %v; want 0 resealed under %s", res, err, staged.ID())
	}
	admin.Close()
	if keyID(t, file) != staged.ID() {
		t.Errorf("key file holds %s, want the staged %s", keyID(t, file), staged.ID())
	}
}

// TestRotateMasterKeyEnv: with the key in AGENTSHOP_MASTER_KEY, rotation
// needs the new key given, and re-encrypts under it.
func TestRotateMasterKeyEnv(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	_, oldText := secretbox.GenerateKey()
	newKey, newText := secretbox.GenerateKey()
	cfg.MasterKey = oldText
	a := newApp(t, cfg, Options{})
	k := signedKey(t, a)
	a.Close()
	if _, err := os.Stat(filepath.Join(cfg.Data, MasterKeyFileName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a key file was generated although AGENTSHOP_MASTER_KEY is set: %v", err)
	}
	admin := newApp(t, cfg, Options{Existing: true})
	if _, err := admin.RotateMasterKey(t.Context(), ""); err == nil {
		t.Error("rotation without a new key succeeded")
	}
	admin.Close()
	cfg.NewMasterKey = newText
	admin = newApp(t, cfg, Options{Existing: true})
	res, err := admin.RotateMasterKey(t.Context(), "")
	admin.Close()
	if err != nil || res.Resealed != 1 || res.KeyID != newKey.ID() {
		t.Fatalf("rotate = %+v, %v", res, err)
	}
	next := cfg
	next.MasterKey, next.NewMasterKey = newText, ""
	if got, err := readBack(t, next, k); err != nil || got != k.SigningSecret {
		t.Errorf("read back under the new key: %q, %v", got, err)
	}
}

// TestNoMasterKeyPostgres: PostgreSQL has no default key file (replicas
// must share a key): without one, serve starts, but a signing key cannot
// be created, and nothing is stored in clear.
func TestNoMasterKeyPostgres(t *testing.T) {
	t.Parallel()
	base := os.Getenv("AGENTSHOP_TEST_POSTGRES_URL")
	if base == "" {
		t.Skip("AGENTSHOP_TEST_POSTGRES_URL not set; e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	}
	cfg := testConfig(t)
	cfg.Database = emptySchema(t, base)
	a := newApp(t, cfg, Options{})
	if _, _, err := a.Admin.CreateAPIKey(t.Context(), admin.KeyInput{Name: "signed", Signing: true}, nil); !errors.Is(err, ErrNoMasterKey) {
		t.Errorf("signing key without a master key: %v, want ErrNoMasterKey", err)
	}
	if _, err := os.Stat(filepath.Join(cfg.Data, MasterKeyFileName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a key file was generated for PostgreSQL: %v", err)
	}
	if _, _, err := a.Admin.CreateAPIKey(t.Context(), admin.KeyInput{Name: "plain"}, nil); err != nil {
		t.Errorf("key without signing secret: %v", err)
	}
}

func mustRead(t *testing.T, file string) []byte {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
