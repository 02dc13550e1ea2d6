package storetest

import (
	"errors"
	"testing"

	"agentshop/internal/commerce"
	"agentshop/internal/store"
)

// testText: text a store cannot keep (U+0000, which PostgreSQL stores in
// neither text nor jsonb; invalid UTF-8) is refused as EINVALID or kept
// as sent, never an internal error. The codecs refuse it before it gets
// here; this is the net under paths, forms and headers.
func testText(t *testing.T, open func(t *testing.T) store.Store) {
	bad := map[string]string{"nul": "a\x00b", "invalid utf-8": "a\xffb"}
	for name, text := range bad {
		t.Run("Session/"+name, func(t *testing.T) {
			ctx, s := setup(t, open)
			sess := newSession(baseTime)
			sess.Buyer.FirstName = text
			err := s.CreateSession(ctx, sess)
			if err != nil {
				requireCode(t, err, commerce.EINVALID, "create a session holding "+name)
				_, err := s.GetSession(ctx, sess.ID)
				requireIs(t, err, commerce.ErrNotFound, "get the refused session")
				return
			}
			if _, err := s.GetSession(ctx, sess.ID); err != nil {
				t.Fatalf("get the session holding %s: %v", name, err)
			}
		})
		t.Run("ID/"+name, func(t *testing.T) {
			ctx, s := setup(t, open)
			_, err := s.GetSession(ctx, "cs_"+text)
			if !errors.Is(err, commerce.ErrNotFound) {
				requireCode(t, err, commerce.EINVALID, "get a session by an id holding "+name)
			}
			_, err = s.GetOrder(ctx, "ord_"+text)
			if !errors.Is(err, commerce.ErrNotFound) {
				requireCode(t, err, commerce.EINVALID, "get an order by an id holding "+name)
			}
		})
	}
}

// requireCode fails unless err carries the commerce code want.
func requireCode(tb testing.TB, err error, want, what string) {
	tb.Helper()
	if got := commerce.ErrorCode(err); err == nil || got != want {
		tb.Fatalf("%s: error %v (code %q), want code %q", what, err, got, want)
	}
}
