package storetest

import (
	"errors"
	"strings"
	"testing"

	"agentshop/internal/commerce"
	"agentshop/internal/store"
)

// testOwner: a session belongs to its owner. [commerce.Service.For] of
// another owner, or of no owner, gets ENOTFOUND from Get, Update, Complete
// and Cancel, the same message as an unknown id, and changes nothing; the
// owner survives the store round trip and every change; the unscoped
// Service (the hosted page) still reaches the session.
func testOwner(t *testing.T, open func(t *testing.T) store.Store) {
	ctx, b := setupService(t, open)
	const alice, bob = "key:key_alice", "key:key_bob"
	v, err := b.svc.For(alice).Create(ctx, commerce.CreateInput{
		Lines: []commerce.LineInput{{ItemID: "item_mug", Quantity: 1}},
		Fulfillment: &commerce.FulfillmentInput{Name: "Ada Lovelace", Email: "ada@example.com", Phone: "+15555550100", Address: &commerce.Address{
			Name: "Ada Lovelace", LineOne: "1 Main St", City: "Springfield", State: "CA", Country: "US", PostalCode: "94000"}},
	}, nil)
	requireNoError(t, err, "create as alice")
	id := v.Session.ID
	stored, err := b.store.GetSession(ctx, id)
	requireNoError(t, err, "get session")
	if stored.Owner != alice {
		t.Fatalf("stored owner %q, want %q", stored.Owner, alice)
	}
	// The answer to another owner is the answer to an id that does not
	// exist.
	_, unknown := b.svc.Get(ctx, "cs_unknown")
	wantMsg := strings.ReplaceAll(message(unknown), "cs_unknown", id)
	for _, owner := range []string{bob, "", "key:", "app:", "key:key_alice "} {
		for name, call := range map[string]func() error{
			"get": func() error { _, err := b.svc.For(owner).Get(ctx, id); return err },
			"update": func() error {
				_, err := b.svc.For(owner).Update(ctx, id, commerce.UpdateInput{Lines: []commerce.LineInput{{ItemID: "item_mug", Quantity: 3}}}, nil)
				return err
			},
			"complete": func() error {
				_, err := b.svc.For(owner).Complete(ctx, id, commerce.CompleteInput{Token: "tok_ok"}, nil)
				return err
			},
			"cancel": func() error { _, err := b.svc.For(owner).Cancel(ctx, id, nil); return err },
		} {
			err := call()
			if commerce.ErrorCode(err) != commerce.ENOTFOUND {
				t.Errorf("%s as %q: %v, want ENOTFOUND", name, owner, err)
				continue
			}
			if got := message(err); got != wantMsg {
				t.Errorf("%s as %q: message %q, want %q (unknown id)", name, owner, got, wantMsg)
			}
		}
	}
	b.provider.mu.Lock()
	if n := len(b.provider.calls); n != 0 {
		t.Errorf("provider called with %d keys by other owners", n)
	}
	b.provider.mu.Unlock()
	after, err := b.store.GetSession(ctx, id)
	requireNoError(t, err, "get session")
	if after.Version != stored.Version || after.Status != "" || after.Lines[0].Quantity != 1 {
		t.Errorf("other owners changed the session: %+v", after)
	}

	// Alice reaches it, and the owner stays through her changes.
	_, err = b.svc.For(alice).Update(ctx, id, commerce.UpdateInput{Lines: []commerce.LineInput{{ItemID: "item_mug", Quantity: 2}}}, nil)
	requireNoError(t, err, "update as alice")
	got, err := b.svc.For(alice).Get(ctx, id)
	requireNoError(t, err, "get as alice")
	if got.Session.Owner != alice || got.Session.Lines[0].Quantity != 2 {
		t.Errorf("after alice's update: owner %q, lines %+v", got.Session.Owner, got.Session.Lines)
	}
	// The hosted page (unscoped) reaches every session.
	if _, err := b.svc.Get(ctx, id); err != nil {
		t.Errorf("unscoped get: %v", err)
	}
	done, err := b.svc.For(alice).Complete(ctx, id, commerce.CompleteInput{Token: "tok_ok"}, nil)
	requireNoError(t, err, "complete as alice")
	if done.Order == nil || done.Session.Owner != alice {
		t.Fatalf("complete as alice: order %v, owner %q", done.Order, done.Session.Owner)
	}
	// A completed session, and its order, stay out of bob's reach.
	if _, err := b.svc.For(bob).Get(ctx, id); commerce.ErrorCode(err) != commerce.ENOTFOUND {
		t.Errorf("get completed session as bob: %v, want ENOTFOUND", err)
	}
}

// message is the client-safe message of a *commerce.Error, "" otherwise.
func message(err error) string {
	if e, ok := errors.AsType[*commerce.Error](err); ok {
		return e.Message
	}
	return ""
}
