package apikey

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"agentshop/internal/commerce"
)

// memKeys is a Finder in memory that counts its reads.
type memKeys struct {
	mu    sync.Mutex
	keys  map[string]*Key
	reads int
}

func (m *memKeys) APIKeyByHash(_ context.Context, hash string) (*Key, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reads++
	k, ok := m.keys[hash]
	if !ok {
		return nil, commerce.ErrNotFound
	}
	c := *k
	return &c, nil
}

func TestNew(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	secret, k := New("agent", now)
	if !strings.HasPrefix(secret, SecretPrefix) || k.Hash != Hash(secret) || k.Hash == secret ||
		!strings.HasPrefix(secret, k.Prefix) || !strings.HasPrefix(k.ID, "key_") || !k.CreatedAt.Equal(now) {
		t.Errorf("New = %q, %+v", secret, k)
	}
	if again, _ := New("agent", now); again == secret {
		t.Error("two keys share a secret")
	}
}

func TestBearerSecret(t *testing.T) {
	tests := []struct {
		header, want string
		ok           bool
	}{
		{"Bearer ask_1", "ask_1", true},
		{"Bearer  ask_1 ", "ask_1", true},
		{"Bearer ", "", false},
		{"bearer ask_1", "ask_1", true}, // RFC 7235: the scheme is case-insensitive
		{"BEARER ask_1", "ask_1", true},
		{"bEaReR  ask_1", "ask_1", true},
		{"Bearerask_1", "", false},
		{"Bearer", "", false},
		{"xBearer ask_1", "", false},
		{"Basic YTpi", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		if got, ok := BearerSecret(tt.header); got != tt.want || ok != tt.ok {
			t.Errorf("BearerSecret(%q) = %q, %t; want %q, %t", tt.header, got, ok, tt.want, tt.ok)
		}
	}
}

// TestCache: Authenticate answers from the cache within the TTL (a
// revocation shows once the entry is older), never caches a miss, and
// with TTL 0 reads the store every time.
func TestCache(t *testing.T) {
	const ttl = 10 * time.Second
	tests := []struct {
		name string
		ttl  time.Duration
		// after is how long after the first lookup, with the key revoked
		// in between, the second one runs.
		after     time.Duration
		wantErr   error // of the second lookup
		wantReads int
	}{
		{"WithinTTL", ttl, ttl - time.Nanosecond, nil, 1},
		{"PastTTL", ttl, ttl, ErrInvalid, 2},
		{"NoCaching", 0, 0, ErrInvalid, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
			secret, k := New("agent", now)
			st := &memKeys{keys: map[string]*Key{k.Hash: k}}
			c := NewCache(st, tt.ttl, func() time.Time { return now })
			if got, err := c.Authenticate(ctx, secret); err != nil || got.ID != k.ID {
				t.Fatalf("Authenticate = %+v, %v", got, err)
			}
			revoked := now
			st.keys[k.Hash].RevokedAt = &revoked
			now = now.Add(tt.after)
			_, err := c.Authenticate(ctx, secret)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("after revocation: error %v, want %v", err, tt.wantErr)
			}
			if st.reads != tt.wantReads {
				t.Errorf("store read %d times, want %d", st.reads, tt.wantReads)
			}
		})
	}
	t.Run("MissNotCached", func(t *testing.T) {
		ctx := context.Background()
		st := &memKeys{keys: map[string]*Key{}}
		c := NewCache(st, ttl, nil)
		secret, k := New("late", time.Now())
		if _, err := c.Authenticate(ctx, secret); !errors.Is(err, ErrInvalid) {
			t.Fatalf("unknown key: %v, want ErrInvalid", err)
		}
		st.keys[k.Hash] = k
		if _, err := c.Authenticate(ctx, secret); err != nil {
			t.Errorf("key created after a miss: %v", err)
		}
	})
	t.Run("StoreError", func(t *testing.T) {
		c := NewCache(failing{}, ttl, nil)
		if _, err := c.Authenticate(context.Background(), "ask_x"); !errors.Is(err, commerce.ErrUnavailable) {
			t.Errorf("store down: %v, want ErrUnavailable wrapped", err)
		}
	})
}

type failing struct{}

func (failing) APIKeyByHash(context.Context, string) (*Key, error) {
	return nil, commerce.ErrUnavailable
}
