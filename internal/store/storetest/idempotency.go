package storetest

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"agentshop/internal/commerce"
	"agentshop/internal/idempotency"
	"agentshop/internal/store"
)

func testIdempotency(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("ClaimNew", func(t *testing.T) {
		ctx, s := setupAs[idempotency.Store](t, open)
		rec := newIdem("k1", "fp1", baseTime)
		got, claimed, err := s.ClaimIdempotencyKey(ctx, rec, baseTime)
		requireNoError(t, err, "claim")
		if !claimed || got != rec {
			t.Fatalf("claim = (%v, %t), want (rec, true)", got, claimed)
		}
		// The same key in another scope is another record.
		other := newIdem("k1", "fp1", baseTime)
		other.Scope = "key_2 POST /checkout_sessions"
		_, claimed, err = s.ClaimIdempotencyKey(ctx, other, baseTime)
		requireNoError(t, err, "claim in other scope")
		if !claimed {
			t.Fatal("claim in another scope was refused")
		}
	})

	// A claim with Done records the finished response at once; a later
	// claim finds it, and an expired one is replaced by an in-flight claim.
	t.Run("ClaimFinished", func(t *testing.T) {
		ctx, s := setupAs[idempotency.Store](t, open)
		for i, body := range [][]byte{[]byte(`{"id":"cs_1"}`), nil} {
			key := []string{"done-json", "done-empty"}[i]
			rec := newIdem(key, "fp1", baseTime)
			rec.Done, rec.Status, rec.Body = true, 201, body
			_, claimed, err := s.ClaimIdempotencyKey(ctx, rec, baseTime)
			requireNoError(t, err, "claim finished")
			if !claimed {
				t.Fatal("claim finished was refused")
			}
			got, claimed, err := s.ClaimIdempotencyKey(ctx, newIdem(key, "fp2", baseTime), baseTime.Add(time.Second))
			requireNoError(t, err, "claim again")
			if claimed || !got.Done || got.Status != 201 || got.Fingerprint != "fp1" || string(got.Body) != string(body) {
				t.Errorf("claim again = (%+v, %t), want the finished record (201, %q)", got, claimed, body)
			}
			later := baseTime.Add(48 * time.Hour)
			got, claimed, err = s.ClaimIdempotencyKey(ctx, newIdem(key, "fp3", later), later)
			requireNoError(t, err, "claim after expiry")
			if !claimed || got.Done {
				t.Errorf("claim after expiry = (%+v, %t), want a new in-flight claim", got, claimed)
			}
		}
	})

	// Stored responses come back byte for byte, whatever their size and
	// content, through either way of storing them (a store may compress).
	t.Run("BodiesRoundTrip", func(t *testing.T) {
		ctx, s := setupAs[idempotency.Store](t, open)
		session := []byte(`{"id":"cs_1","status":"ready_for_payment","currency":"usd","line_items":[` +
			strings.Repeat(`{"id":"li_1","item":{"id":"gift-card-25","quantity":1},"totals":[{"type":"subtotal","amount":2500}]},`, 40) +
			`{"id":"li_41"}],"messages":[]}`)
		noise := make([]byte, 3000)
		for i := range noise {
			noise[i] = byte(i*7919 + i*i*104729>>3)
		}
		bodies := map[string][]byte{
			"short":   []byte(`{"id":"cs_1"}`),
			"session": session,
			"noise":   noise,
			"large":   bytes.Repeat(session, 20),
		}
		for name, body := range bodies {
			born := newIdem("born-"+name, "fp1", baseTime)
			born.Done, born.Status, born.Body = true, 201, body
			claimIdem(t, ctx, s, born, baseTime)
			finished := newIdem("finished-"+name, "fp1", baseTime)
			claimIdem(t, ctx, s, finished, baseTime)
			requireNoError(t, s.FinishIdempotencyKey(ctx, finished.Scope, finished.Key, 200, body), "finish "+name)
			for _, r := range []*idempotency.Record{born, finished} {
				got, claimed, err := s.ClaimIdempotencyKey(ctx, newIdem(r.Key, "fp2", baseTime), baseTime.Add(time.Second))
				requireNoError(t, err, "claim again "+r.Key)
				if claimed || !got.Done || !bytes.Equal(got.Body, body) {
					t.Errorf("%s: claim again = (done %t, %d bytes, claimed %t), want the %d bytes stored", r.Key, got.Done, len(got.Body), claimed, len(body))
				}
			}
		}
	})

	// A second claim of the same key, made at claimAt after the first record
	// (locked for a minute, kept for a day, done or not) was stored.
	t.Run("Reclaim", func(t *testing.T) {
		tests := []struct {
			name        string
			done        bool
			claimAt     time.Duration
			wantClaimed bool
		}{
			{name: "InFlight", claimAt: 30 * time.Second},
			{name: "InFlightLockPassed", claimAt: 2 * time.Minute, wantClaimed: true},
			{name: "Done", done: true, claimAt: 30 * time.Second},
			{name: "DoneLockPassed", done: true, claimAt: 2 * time.Minute},
			{name: "DoneExpired", done: true, claimAt: 25 * time.Hour, wantClaimed: true},
			{name: "InFlightExpired", claimAt: 25 * time.Hour, wantClaimed: true},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ctx, s := setupAs[idempotency.Store](t, open)
				first := newIdem("k1", "fp1", baseTime)
				claimIdem(t, ctx, s, first, baseTime)
				if tt.done {
					requireNoError(t, s.FinishIdempotencyKey(ctx, first.Scope, first.Key, 201, []byte(`{"id":"cs_1"}`)), "finish")
				}

				now := baseTime.Add(tt.claimAt)
				second := newIdem("k1", "fp2", now)
				got, claimed, err := s.ClaimIdempotencyKey(ctx, second, now)
				requireNoError(t, err, "claim again")
				if claimed != tt.wantClaimed {
					t.Fatalf("claimed = %t, want %t", claimed, tt.wantClaimed)
				}
				want := second
				if !claimed {
					want = first
					if tt.done {
						want = &idempotency.Record{Scope: first.Scope, Key: first.Key, Fingerprint: first.Fingerprint,
							Done: true, Status: 201, Body: []byte(`{"id":"cs_1"}`),
							LockedUntil: first.LockedUntil, CreatedAt: first.CreatedAt, ExpiresAt: first.ExpiresAt}
					}
				}
				requireDiff(t, want, got, "record")
				if claimed {
					// The new claim replaced the old record.
					_, claimed, err := s.ClaimIdempotencyKey(ctx, newIdem("k1", "fp3", now), now)
					requireNoError(t, err, "claim a third time")
					if claimed {
						t.Fatal("a fresh claim was taken over at once")
					}
				}
			})
		}
	})

	t.Run("FinishNotFound", func(t *testing.T) {
		ctx, s := setupAs[idempotency.Store](t, open)
		requireIs(t, s.FinishIdempotencyKey(ctx, "scope", "nope", 200, nil), commerce.ErrNotFound, "finish")
	})

	t.Run("Release", func(t *testing.T) {
		ctx, s := setupAs[idempotency.Store](t, open)
		inflight := newIdem("k1", "fp1", baseTime)
		claimIdem(t, ctx, s, inflight, baseTime)
		done := newIdem("k2", "fp1", baseTime)
		claimIdem(t, ctx, s, done, baseTime)
		requireNoError(t, s.FinishIdempotencyKey(ctx, done.Scope, done.Key, 200, []byte("ok")), "finish")

		for _, r := range []*idempotency.Record{inflight, done} {
			requireNoError(t, s.ReleaseIdempotencyKey(ctx, r.Scope, r.Key), "release "+r.Key)
		}
		requireNoError(t, s.ReleaseIdempotencyKey(ctx, "scope", "nope"), "release unknown")

		_, claimed, err := s.ClaimIdempotencyKey(ctx, newIdem("k1", "fp2", baseTime), baseTime)
		requireNoError(t, err, "claim released")
		if !claimed {
			t.Error("released in-flight key could not be claimed")
		}
		got, claimed, err := s.ClaimIdempotencyKey(ctx, newIdem("k2", "fp2", baseTime), baseTime)
		requireNoError(t, err, "claim done")
		if claimed || !got.Done || string(got.Body) != "ok" {
			t.Errorf("claim of done key after release = (%+v, %t), want the done record", got, claimed)
		}
	})

	t.Run("DeleteExpired", func(t *testing.T) {
		ctx, s := setupAs[idempotency.Store](t, open)
		for key, exp := range map[string]time.Duration{"old": -time.Hour, "recent": -time.Second, "live": time.Hour} {
			r := newIdem(key, "fp", baseTime)
			r.ExpiresAt = baseTime.Add(exp)
			claimIdem(t, ctx, s, r, baseTime.Add(-2*time.Hour))
		}
		n, err := s.DeleteExpiredIdempotencyKeys(ctx, baseTime)
		requireNoError(t, err, "delete expired")
		if n != 2 {
			t.Errorf("deleted %d, want 2", n)
		}
		for key, wantClaimed := range map[string]bool{"old": true, "recent": true, "live": false} {
			// Claim at a time the records are neither expired nor unlocked,
			// so only deletion frees a key.
			_, claimed, err := s.ClaimIdempotencyKey(ctx, newIdem(key, "fp2", baseTime), baseTime.Add(-2*time.Hour))
			requireNoError(t, err, "claim "+key)
			if claimed != wantClaimed {
				t.Errorf("claim %s after delete = %t, want %t", key, claimed, wantClaimed)
			}
		}
	})
}

func claimIdem(tb testing.TB, ctx context.Context, s idempotency.Executor, r *idempotency.Record, now time.Time) {
	tb.Helper()
	_, claimed, err := s.ClaimIdempotencyKey(ctx, r, now)
	requireNoError(tb, err, "claim "+r.Key)
	if !claimed {
		tb.Fatalf("claim %s: refused", r.Key)
	}
}
