package acpmcp_test

import (
	"strings"
	"testing"

	"agentshop/internal/acpmcp"
)

// TestIdempotencyReplay: the same key and payload returns the identical
// result without a second effect, for each mutating tool.
func TestIdempotencyReplay(t *testing.T) {
	t.Parallel()
	for _, version := range versions() {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			cs := b.client(t)

			a := mut(version, "", createPayload(version, true))
			first := b.call(t, cs, acpmcp.ToolCreate, version, a).want(t)
			again := b.call(t, cs, acpmcp.ToolCreate, version, a).want(t)
			if string(first.Raw) != string(again.Raw) {
				t.Fatalf("create replay differs:\n%s\n%s", first.Raw, again.Raw)
			}
			id := first.str("id")

			u := mut(version, id, addressPayload(version))
			first = b.call(t, cs, acpmcp.ToolUpdate, version, u).want(t)
			if again = b.call(t, cs, acpmcp.ToolUpdate, version, u).want(t); string(first.Raw) != string(again.Raw) {
				t.Fatalf("update replay differs:\n%s\n%s", first.Raw, again.Raw)
			}

			c := mut(version, id, completePayload(version, b.token(t, "4242424242424242", id, first.total())))
			done := b.call(t, cs, acpmcp.ToolComplete, version, c).want(t)
			if again = b.call(t, cs, acpmcp.ToolComplete, version, c).want(t); string(done.Raw) != string(again.Raw) {
				t.Fatalf("complete replay differs:\n%s\n%s", done.Raw, again.Raw)
			}
			if done.str("order", "id") == "" {
				t.Fatalf("no order: %s", done.Raw)
			}
		})
	}
}

// TestIdempotencyConflict: the same key with another payload is refused
// with idempotency_conflict and changes nothing.
func TestIdempotencyConflict(t *testing.T) {
	t.Parallel()
	for _, version := range versions() {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			cs := b.client(t)
			key := newKey()
			b.call(t, cs, acpmcp.ToolCreate, version, args(version, "", createPayload(version, true), "idempotency_key", key)).want(t)
			e := b.wantError(t, b.call(t, cs, acpmcp.ToolCreate, version, args(version, "", createPayload(version, false), "idempotency_key", key)),
				version, acpmcp.CodeACPError, "idempotency_conflict")
			if e.Data["type"] != "invalid_request" {
				t.Errorf("conflict type %v", e.Data["type"])
			}
		})
	}
}

// TestIdempotencyKeyRequired: on 2026-04-17 every mutating tool needs
// meta.idempotency_key (ACP §6, as on REST, although the OpenRPC document
// marks it optional); on 2025-09-29 it is optional.
func TestIdempotencyKeyRequired(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cs := b.client(t)
	id := b.call(t, cs, acpmcp.ToolCreate, v2026, mut(v2026, "", createPayload(v2026, true))).want(t).str("id")
	for name, a := range map[string]map[string]any{
		acpmcp.ToolCreate:   args(v2026, "", createPayload(v2026, true)),
		acpmcp.ToolUpdate:   args(v2026, id, addressPayload(v2026)),
		acpmcp.ToolComplete: args(v2026, id, completePayload(v2026, "vt_nope")),
		acpmcp.ToolCancel:   args(v2026, id, nil),
	} {
		t.Run(name, func(t *testing.T) {
			b.wantError(t, b.call(t, cs, name, v2026, a), v2026, acpmcp.CodeACPError, "idempotency_key_required")
		})
	}
	// get is not mutating and needs no key.
	b.call(t, cs, acpmcp.ToolGet, v2026, args(v2026, id, nil)).want(t)

	old := b.call(t, cs, acpmcp.ToolCreate, v2025, args(v2025, "", createPayload(v2025, true))).want(t)
	b.call(t, cs, acpmcp.ToolCancel, v2025, args(v2025, old.str("id"), nil)).want(t)

	long := args(v2026, "", createPayload(v2026, true), "idempotency_key", strings.Repeat("k", 256))
	b.wantError(t, b.call(t, cs, acpmcp.ToolCreate, v2026, long), v2026, acpmcp.CodeACPError, "invalid_idempotency_key")
}

// TestIdempotencyScope: a key is scoped by tool and session id, so reusing
// it elsewhere is a new request, not a conflict; and a stored error is
// replayed as the same error, while a replayed success wins over the 405
// that a fresh cancel would get.
func TestIdempotencyScope(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cs := b.client(t)
	key := newKey()
	one := b.call(t, cs, acpmcp.ToolCreate, v2026, args(v2026, "", createPayload(v2026, true), "idempotency_key", key)).want(t).str("id")
	two := b.call(t, cs, acpmcp.ToolCreate, v2026, mut(v2026, "", createPayload(v2026, true))).want(t).str("id")
	b.call(t, cs, acpmcp.ToolUpdate, v2026, args(v2026, one, addressPayload(v2026), "idempotency_key", key)).want(t)
	b.call(t, cs, acpmcp.ToolUpdate, v2026, args(v2026, two, addressPayload(v2026), "idempotency_key", key)).want(t)

	cancel := args(v2026, one, nil, "idempotency_key", key)
	canceled := b.call(t, cs, acpmcp.ToolCancel, v2026, cancel).want(t)
	if replay := b.call(t, cs, acpmcp.ToolCancel, v2026, cancel).want(t); string(replay.Raw) != string(canceled.Raw) {
		t.Fatalf("cancel replay differs:\n%s\n%s", canceled.Raw, replay.Raw)
	}

	again := args(v2026, one, nil, "idempotency_key", newKey())
	first := b.wantError(t, b.call(t, cs, acpmcp.ToolCancel, v2026, again), v2026, acpmcp.CodeACPError, "session_canceled")
	replay := b.wantError(t, b.call(t, cs, acpmcp.ToolCancel, v2026, again), v2026, acpmcp.CodeACPError, "session_canceled")
	if string(first.Err.Data) != string(replay.Err.Data) || first.Err.Message != replay.Err.Message {
		t.Errorf("replayed error differs: %s vs %s", first.Err.Data, replay.Err.Data)
	}
}

// TestIdempotencyAcrossVersions: the same key and payload under another
// meta.api_version is a conflict, never a replay shaped for the first
// version.
func TestIdempotencyAcrossVersions(t *testing.T) {
	t.Parallel()
	for _, tt := range [][2]string{{v2025, v2026}, {v2026, v2025}} {
		t.Run(tt[0]+" then "+tt[1], func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			cs := b.client(t)
			id := b.call(t, cs, acpmcp.ToolCreate, tt[0], mut(tt[0], "", createPayload(tt[0], true))).want(t).str("id")
			key := newKey()
			b.call(t, cs, acpmcp.ToolCancel, tt[0], args(tt[0], id, nil, "idempotency_key", key)).want(t)
			b.wantError(t, b.call(t, cs, acpmcp.ToolCancel, tt[1], args(tt[1], id, nil, "idempotency_key", key)),
				tt[1], acpmcp.CodeACPError, "idempotency_conflict")
		})
	}
}
