package idempotency

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"agentshop/internal/commerce"
)

// memStore is a Store in memory, with no transactions: a write is
// committed when it returns.
type memStore struct {
	mu   sync.Mutex
	recs map[string]Record
}

func (m *memStore) ClaimIdempotencyKey(_ context.Context, rec *Record, now time.Time) (*Record, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	id := rec.Scope + "\x00" + rec.Key
	if p, ok := m.recs[id]; ok && p.ExpiresAt.After(now) && (p.Done || p.LockedUntil.After(now)) {
		return &p, false, nil
	}
	if m.recs == nil {
		m.recs = map[string]Record{}
	}
	m.recs[id] = *rec
	return rec, true, nil
}

func (m *memStore) FinishIdempotencyKey(_ context.Context, scope, key string, status int, body []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	id := scope + "\x00" + key
	r, ok := m.recs[id]
	if !ok {
		return commerce.ErrNotFound
	}
	r.Done, r.Status, r.Body = true, status, body
	m.recs[id] = r
	return nil
}

func (m *memStore) ReleaseIdempotencyKey(_ context.Context, scope, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r, ok := m.recs[scope+"\x00"+key]; ok && !r.Done {
		delete(m.recs, scope+"\x00"+key)
	}
	return nil
}

func (m *memStore) DeleteExpiredIdempotencyKeys(context.Context, time.Time) (int64, error) {
	return 0, nil
}

// errRetry is an error Answer does not keep; errBad is one it keeps.
var (
	errRetry = errors.New("unavailable")
	errBad   = errors.New("bad request")
)

func newTest() (*Idempotency, *memStore) {
	st := &memStore{}
	return &Idempotency{
		Store: st, Now: func() time.Time { return time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC) },
		TTL: 24 * time.Hour, InFlight: time.Minute,
		Answer: func(err error) (int, []byte, bool) {
			if errors.Is(err, errBad) {
				return 400, []byte(`{"code":"bad"}`), true
			}
			return 503, nil, false
		},
	}, st
}

// TestDo runs the outcomes of Do, each from a fresh store: the first
// request with a key runs (its operation saving in its transaction, or
// claiming early as complete does), and a second one is answered by what
// the first left.
func TestDo(t *testing.T) {
	const body = `{"a":1,"b":[1,2]}`
	// save is an operation that commits its answer with Save.
	save := func(st *memStore, answer string) func(k *Key) ([]byte, error) {
		return func(k *Key) ([]byte, error) {
			return []byte(answer), k.Save(context.Background(), st, []byte(answer))
		}
	}
	// spanning claims early and answers in a later "transaction".
	spanning := func(st *memStore, answer string) func(k *Key) ([]byte, error) {
		return func(k *Key) ([]byte, error) {
			ctx := context.Background()
			if err := k.Claim(ctx, st); err != nil {
				return nil, err
			}
			k.Claimed()
			return []byte(answer), k.Save(ctx, st, []byte(answer))
		}
	}
	tests := []struct {
		name string
		// first runs before the request under test, with the same key
		// (nil: none).
		first func(id *Idempotency, st *memStore)
		req   Request
		// wantRun says whether the request's operation commits (its
		// transaction claims the key; a taken key rolls it back).
		wantRun  bool
		wantErr  error
		want     Result
		spanning bool
	}{
		{name: "NoKey", req: Request{Scope: "s", Body: []byte(body), Status: 200}, wantRun: true,
			want: Result{Status: 200, Body: []byte("second")}},
		{name: "KeyRequired", req: Request{Scope: "s", Required: true, Body: []byte(body), Status: 200}, wantErr: ErrKeyRequired},
		{name: "KeyTooLong", req: Request{Scope: "s", Key: strings.Repeat("k", MaxKeyLength+1), Body: []byte(body), Status: 200}, wantErr: ErrKeyInvalid},
		{name: "KeyNotUTF8", req: Request{Scope: "s", Key: "k\xff", Body: []byte(body), Status: 200}, wantErr: ErrKeyInvalid},
		{name: "KeyNUL", req: Request{Scope: "s", Key: "k\x00", Body: []byte(body), Status: 200}, wantErr: ErrKeyInvalid},
		{name: "FirstUse", req: Request{Scope: "s", Key: "k", Body: []byte(body), Status: 201}, wantRun: true,
			want: Result{Status: 201, Body: []byte("second")}},
		{name: "Replay", first: func(id *Idempotency, st *memStore) {
			_, _ = id.Do(context.Background(), Request{Scope: "s", Key: "k", Body: []byte(`{"b":[1.0,2], "a":1}`), Status: 201}, save(st, "first"))
		}, req: Request{Scope: "s", Key: "k", Body: []byte(body), Status: 201},
			want: Result{Status: 201, Body: []byte("first"), Replayed: true}},
		{name: "ReplaySpanning", spanning: true, first: func(id *Idempotency, st *memStore) {
			_, _ = id.Do(context.Background(), Request{Scope: "s", Key: "k", Body: []byte(body), Status: 200}, spanning(st, "first"))
		}, req: Request{Scope: "s", Key: "k", Body: []byte(body), Status: 200},
			want: Result{Status: 200, Body: []byte("first"), Replayed: true}},
		{name: "OtherScope", first: func(id *Idempotency, st *memStore) {
			_, _ = id.Do(context.Background(), Request{Scope: "other", Key: "k", Body: []byte(body), Status: 201}, save(st, "first"))
		}, req: Request{Scope: "s", Key: "k", Body: []byte(body), Status: 201}, wantRun: true,
			want: Result{Status: 201, Body: []byte("second")}},
		{name: "Conflict", first: func(id *Idempotency, st *memStore) {
			_, _ = id.Do(context.Background(), Request{Scope: "s", Key: "k", Body: []byte(`{"a":2}`), Status: 201}, save(st, "first"))
		}, req: Request{Scope: "s", Key: "k", Body: []byte(body), Status: 201}, wantErr: ErrConflict},
		{name: "OtherVariant", first: func(id *Idempotency, st *memStore) {
			_, _ = id.Do(context.Background(), Request{Scope: "s", Variant: "2025-09-29", Key: "k", Body: []byte(body), Status: 201}, save(st, "first"))
		}, req: Request{Scope: "s", Variant: "2026-04-17", Key: "k", Body: []byte(body), Status: 201}, wantErr: ErrConflict},
		{name: "ReplaySameVariant", first: func(id *Idempotency, st *memStore) {
			_, _ = id.Do(context.Background(), Request{Scope: "s", Variant: "2026-04-17", Key: "k", Body: []byte(body), Status: 201}, save(st, "first"))
		}, req: Request{Scope: "s", Variant: "2026-04-17", Key: "k", Body: []byte(body), Status: 201},
			want: Result{Status: 201, Body: []byte("first"), Replayed: true}},
		{name: "InFlight", first: func(id *Idempotency, st *memStore) {
			// A complete that claimed and has not answered yet.
			k := &Key{req: Request{Scope: "s", Key: "k"}, now: id.Now(), rec: &Record{Scope: "s", Key: "k",
				Fingerprint: mustFingerprint(body), LockedUntil: id.Now().Add(time.Minute), ExpiresAt: id.Now().Add(time.Hour)}}
			_ = k.Claim(context.Background(), st)
		}, req: Request{Scope: "s", Key: "k", Body: []byte(body), Status: 200}, wantErr: ErrInFlight},
		{name: "ErrorNotKept", first: func(id *Idempotency, st *memStore) {
			// A complete that claimed, then found the provider down.
			_, _ = id.Do(context.Background(), Request{Scope: "s", Key: "k", Body: []byte(body), Status: 200}, func(k *Key) ([]byte, error) {
				if err := k.Claim(context.Background(), st); err != nil {
					return nil, err
				}
				k.Claimed()
				return nil, errRetry
			})
		}, req: Request{Scope: "s", Key: "k", Body: []byte(body), Status: 200}, wantRun: true,
			want: Result{Status: 200, Body: []byte("second")}},
		{name: "ErrorKept", first: func(id *Idempotency, st *memStore) {
			_, _ = id.Do(context.Background(), Request{Scope: "s", Key: "k", Body: []byte(body), Status: 200}, func(*Key) ([]byte, error) { return nil, errBad })
		}, req: Request{Scope: "s", Key: "k", Body: []byte(body), Status: 200},
			want: Result{Status: 400, Body: []byte(`{"code":"bad"}`), Replayed: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, st := newTest()
			if tt.first != nil {
				tt.first(id, st)
			}
			ran := false
			op := save(st, "second")
			if tt.spanning {
				op = spanning(st, "second")
			}
			got, err := id.Do(context.Background(), tt.req, func(k *Key) ([]byte, error) {
				b, err := op(k)
				ran = err == nil
				return b, err
			})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Do error = %v, want %v", err, tt.wantErr)
			}
			if ran != tt.wantRun {
				t.Errorf("operation committed = %t, want %t", ran, tt.wantRun)
			}
			if got.Status != tt.want.Status || string(got.Body) != string(tt.want.Body) || got.Replayed != tt.want.Replayed {
				t.Errorf("Do = {%d %q %t}, want {%d %q %t}", got.Status, got.Body, got.Replayed, tt.want.Status, tt.want.Body, tt.want.Replayed)
			}
		})
	}
}

func mustFingerprint(body string) string {
	fp, err := Fingerprint([]byte(body))
	if err != nil {
		panic(err)
	}
	return fp
}
