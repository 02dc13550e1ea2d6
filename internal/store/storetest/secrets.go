package storetest

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"agentshop/internal/apikey"
	"agentshop/internal/secretbox"
	"agentshop/internal/store"
)

// Box returns the master keys the stores under test must be opened with:
// key A primary, key B known (the key a rotation moves to, in
// testSecrets). The keys are constants: they protect test data only.
func Box() *secretbox.Box { return secretbox.NewBox(testKey(0xa1), testKey(0xb2)) }

func testKey(b byte) *secretbox.Key {
	k, err := secretbox.NewKey(bytes.Repeat([]byte{b}, secretbox.KeySize))
	if err != nil {
		panic(err) // unreachable: the length is KeySize
	}
	return k
}

// RawDB is what the stores' tests add (in export_test.go) for the suite to
// look at rows as they are on disk, past the store's own decoding.
type RawDB interface {
	// RawTable returns every row of table as text, one line per row.
	RawTable(ctx context.Context, table string) (string, error)
	// RawExec runs a statement of portable SQL with no parameters.
	RawExec(ctx context.Context, sql string) error
}

func testSecrets(t *testing.T, open func(t *testing.T) store.Store) {
	// setupKeys is a store with two signing keys (and one without a
	// signing secret), seen raw too.
	setupKeys := func(t *testing.T) (context.Context, store.Store, RawDB, []*apikey.Key) {
		t.Helper()
		ctx, s := setup(t, open)
		raw, ok := s.(RawDB)
		if !ok {
			t.Fatalf("store %T has no RawDB (export_test.go)", s)
		}
		keys := []*apikey.Key{newAPIKey("one", baseTime), newAPIKey("two", baseTime), newAPIKey("plain", baseTime)}
		keys[2].SigningSecret = ""
		for _, k := range keys {
			requireNoError(t, s.CreateAPIKey(ctx, k), "create "+k.Name)
		}
		return ctx, s, raw, keys
	}
	rawSecrets := func(t *testing.T, ctx context.Context, raw RawDB) string {
		t.Helper()
		dump, err := raw.RawTable(ctx, "api_keys")
		requireNoError(t, err, "raw api_keys")
		return dump
	}
	a, b := testKey(0xa1), testKey(0xb2)

	t.Run("OnlyCiphertextAtRest", func(t *testing.T) {
		ctx, s, raw, keys := setupKeys(t)
		dump := rawSecrets(t, ctx, raw)
		for _, k := range keys[:2] {
			if strings.Contains(dump, k.SigningSecret) || strings.Contains(dump, "whsec_") {
				t.Fatalf("a signing secret is stored in clear:\n%s", dump)
			}
		}
		if got := strings.Count(dump, "sb1."+a.ID()+"."); got != 2 {
			t.Errorf("%d values sealed under key A, want 2:\n%s", got, dump)
		}
		for _, k := range keys {
			got, err := s.APIKeyByHash(ctx, k.Hash)
			requireNoError(t, err, "by hash")
			requireDiff(t, k, got, "key read back")
		}
		counts, err := s.SealedSecrets(ctx)
		requireNoError(t, err, "sealed secrets")
		requireDiff(t, map[string]int{a.ID(): 2}, counts, "sealed secrets")
	})

	t.Run("MovedCiphertextDoesNotOpen", func(t *testing.T) {
		ctx, s, raw, keys := setupKeys(t)
		// Give key one the sealed secret of key two, as someone able to
		// write the table could: it is bound to its row.
		requireNoError(t, raw.RawExec(ctx, `UPDATE api_keys SET signing_secret = (SELECT signing_secret FROM api_keys WHERE id = '`+keys[1].ID+`') WHERE id = '`+keys[0].ID+`'`), "swap")
		_, err := s.APIKeyByHash(ctx, keys[0].Hash)
		requireIs(t, err, secretbox.ErrOpen, "key with a moved secret")
		_, err = s.ListAPIKeys(ctx)
		requireIs(t, err, secretbox.ErrOpen, "list with a moved secret")
	})

	t.Run("Rotate", func(t *testing.T) {
		ctx, s, raw, keys := setupKeys(t)
		// A secret stored in clear by an older version is sealed too.
		requireNoError(t, raw.RawExec(ctx, `UPDATE api_keys SET signing_secret = 'whsec_legacy' WHERE id = '`+keys[2].ID+`'`), "legacy row")
		keys[2].SigningSecret = "whsec_legacy"
		counts, err := s.SealedSecrets(ctx)
		requireNoError(t, err, "sealed secrets")
		requireDiff(t, map[string]int{a.ID(): 2, "": 1}, counts, "before rotation")

		// A box that cannot open them all changes nothing.
		_, err = s.ResealSecrets(ctx, secretbox.NewBox(b))
		requireIs(t, err, secretbox.ErrUnknownKey, "reseal without the old key")
		after, _ := s.SealedSecrets(ctx)
		requireDiff(t, counts, after, "after a failed rotation")

		to := secretbox.NewBox(b, a)
		n, err := s.ResealSecrets(ctx, to)
		requireNoError(t, err, "reseal")
		if n != 3 {
			t.Errorf("resealed %d, want 3", n)
		}
		n, err = s.ResealSecrets(ctx, to)
		requireNoError(t, err, "reseal again")
		if n != 0 {
			t.Errorf("a second rotation resealed %d, want 0", n)
		}
		counts, err = s.SealedSecrets(ctx)
		requireNoError(t, err, "sealed secrets")
		requireDiff(t, map[string]int{b.ID(): 3}, counts, "after rotation")
		dump := rawSecrets(t, ctx, raw)
		if strings.Contains(dump, "whsec_") || strings.Contains(dump, "sb1."+a.ID()) {
			t.Errorf("clear or old-key values left:\n%s", dump)
		}
		for _, k := range keys {
			got, err := s.APIKeyByHash(ctx, k.Hash)
			requireNoError(t, err, "by hash after rotation")
			requireDiff(t, k, got, "key after rotation")
		}
	})

	t.Run("ErrorsNameNoSecret", func(t *testing.T) {
		ctx, s, raw, keys := setupKeys(t)
		requireNoError(t, raw.RawExec(ctx, `UPDATE api_keys SET signing_secret = 'sb1.0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' WHERE id = '`+keys[0].ID+`'`), "foreign key id")
		_, err := s.APIKeyByHash(ctx, keys[0].Hash)
		if !errors.Is(err, secretbox.ErrUnknownKey) || strings.Contains(err.Error(), "AAAA") {
			t.Errorf("secret under an unknown key: %v, want ErrUnknownKey without the value", err)
		}
	})
}
