package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"agentshop/internal/commerce"
	"agentshop/internal/idempotency"
	"agentshop/internal/store"
)

// LastBeforeOwners is the migration an upgrade test opens a database at:
// the schema of the versions before delegate fingerprints were purged
// (0005) and sessions had owners (0006).
const LastBeforeOwners = "0004_events_delivered.sql"

// Upgrade checks migrations 0005 and 0006 over the rows a database at
// [LastBeforeOwners] holds. atOld returns a fresh database migrated only
// up to it, and upgrade, which closes that store and opens the same
// database again, applying every migration.
//
// What was decided for rows older than owners (and is documented in the
// README): an agent's session belongs to the API key that created it
// ("key:<id>"), and reaches no other key; a ChatGPT App session becomes
// an unbound App session ("app:"), which agent keys cannot reach. Rows
// survive as they were otherwise. An old
// delegate_payment record's fingerprint (an unkeyed hash of a body with a
// card number and CVC) is overwritten: the same request again is a
// conflict, never a replay; other records still replay.
func Upgrade(t *testing.T, atOld func(t *testing.T) (old store.Store, upgrade func() store.Store)) {
	t.Parallel()
	ctx := t.Context()
	old, upgrade := atOld(t)
	now := time.Now().UTC()

	// Sessions as the old versions wrote them: no owner.
	addr := &commerce.Address{Name: "Ada Lovelace", LineOne: "1 Main St", City: "Springfield", State: "CA", Country: "US", PostalCode: "94000"}
	mk := func(id, key string) *commerce.Session {
		return &commerce.Session{ID: id, Currency: "usd", APIKeyID: key, Address: addr, ContactEmail: "ada@example.com",
			Lines:     []commerce.Line{{ID: "li_1", ItemID: "item_mug", Quantity: lineQuantity}},
			CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(time.Hour), Version: 1}
	}
	// (No order: later migrations add order columns a 0004 schema lacks.)
	agent, app := mk("cs_agent", "key_1"), mk("cs_app", "")
	for _, s := range []*commerce.Session{agent, app} {
		requireNoError(t, old.CreateSession(ctx, s), "create session at 0004")
	}

	// Idempotency records: a create, and a delegate_payment fingerprinted
	// the old way (an unkeyed hash of the body, card included).
	idem := &idempotency.Idempotency{Store: old, Now: time.Now, TTL: 24 * time.Hour, InFlight: time.Minute}
	create := idempotency.Request{Scope: "key_1 POST /checkout_sessions", Variant: "2026-04-17", Key: "create-1",
		Body: []byte(`{"line_items":[{"id":"item_mug","quantity":2}]}`), Status: 201}
	res, err := idem.Do(ctx, create, func(*idempotency.Key) ([]byte, error) { return []byte(`{"id":"cs_agent"}`), nil })
	requireNoError(t, err, "create at 0004")
	delegateBody := []byte(`{"payment_method":{"type":"card","number":"4242424242424242","cvc":"123"},"allowance":{"max_amount":4200}}`)
	oldFP, err := idempotency.Fingerprint(delegateBody)
	requireNoError(t, err, "fingerprint")
	delegate := &idempotency.Record{Scope: "key_1 POST /agentic_commerce/delegate_payment", Key: "delegate-1",
		Fingerprint: "2026-04-17:" + oldFP, LockedUntil: now.Add(time.Minute), CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour)}
	_, claimed, err := old.ClaimIdempotencyKey(ctx, delegate, now)
	if err != nil || !claimed {
		t.Fatalf("claim delegate record at 0004: %v %v", claimed, err)
	}
	requireNoError(t, old.FinishIdempotencyKey(ctx, delegate.Scope, delegate.Key, 201, []byte(`{"id":"vt_1"}`)), "finish delegate record")

	s := upgrade()
	b := bundleOn(t, ctx, s)

	// Every session survives, with its owner now, and nothing else changed.
	for _, tt := range []struct {
		s     *commerce.Session
		owner string
	}{{agent, "key:key_1"}, {app, "app:"}} {
		got, err := s.GetSession(ctx, tt.s.ID)
		requireNoError(t, err, "get session after the upgrade")
		want := *tt.s
		want.Owner = tt.owner
		requireDiff(t, &want, got, "session "+tt.s.ID+" after the upgrade")
	}

	// They behave as their owners' sessions.
	if _, err := b.svc.For("key:key_2").Get(ctx, agent.ID); commerce.ErrorCode(err) != commerce.ENOTFOUND {
		t.Errorf("another key's get of an old agent session: %v, want %s", err, commerce.ENOTFOUND)
	}
	if _, err := b.svc.For("key:key_1").Get(ctx, app.ID); commerce.ErrorCode(err) != commerce.ENOTFOUND {
		t.Errorf("an agent key's get of an old App session: %v, want %s", err, commerce.ENOTFOUND)
	}
	if v, err := b.svc.For("app:").Get(ctx, app.ID); err != nil || v.Status != commerce.StatusReady {
		t.Errorf("the App's get of its old session: %v, %v", v, err)
	}
	if _, err := b.svc.For("key:key_2").Complete(ctx, agent.ID, commerce.CompleteInput{Token: "tok_ok"}, nil); commerce.ErrorCode(err) != commerce.ENOTFOUND {
		t.Errorf("another key's complete of an old agent session: %v, want %s", err, commerce.ENOTFOUND)
	}
	v, err := b.svc.For("key:key_1").Complete(ctx, agent.ID, commerce.CompleteInput{Token: "tok_ok"}, nil)
	if err != nil || v.Order == nil {
		t.Fatalf("its key's complete of an old agent session: %+v, %v", v, err)
	}
	if charged, _ := b.provider.charges(); charged != 1 {
		t.Errorf("provider charged %d times, want 1", charged)
	}

	// The create still replays; the old delegate record is a conflict.
	idem.Store = s
	again, err := idem.Do(ctx, create, func(*idempotency.Key) ([]byte, error) { return []byte(`{"id":"cs_second"}`), nil })
	if err != nil || !again.Replayed || string(again.Body) != string(res.Body) {
		t.Errorf("create replay after the upgrade: %+v, %v, want a replay of %s", again, err, res.Body)
	}
	_, err = idem.Do(ctx, idempotency.Request{Scope: delegate.Scope, Variant: "2026-04-17", Key: delegate.Key, Body: delegateBody, Status: 201},
		func(*idempotency.Key) ([]byte, error) { return []byte(`{"id":"vt_2"}`), nil })
	if !errors.Is(err, idempotency.ErrConflict) {
		t.Errorf("old delegate_payment record after the upgrade: %v, want %v", err, idempotency.ErrConflict)
	}
	got, claimed, err := s.ClaimIdempotencyKey(context.WithoutCancel(ctx), &idempotency.Record{Scope: delegate.Scope, Key: delegate.Key,
		Fingerprint: "probe", LockedUntil: now, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}, now)
	if err != nil || claimed || got.Fingerprint == delegate.Fingerprint || got.Fingerprint != "purged:card-oracle" {
		t.Errorf("old delegate record after the upgrade: %+v claimed=%v %v, want its fingerprint purged", got, claimed, err)
	}
}
