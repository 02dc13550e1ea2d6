package apikey

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"agentshop/internal/commerce"
)

// ErrInvalid is [Cache.Authenticate]'s answer for a secret that is no
// key, or a revoked one.
var ErrInvalid = errors.New("apikey: invalid API key")

// keyCacheMax bounds the cache; when full it starts over. Only keys found
// in the store are cached, so random bearer tokens cannot fill it.
const keyCacheMax = 4096

// Cache remembers API keys read from the store for a TTL, so that
// authenticating a request costs a database read once per key and TTL,
// not once per request. A key revoked in the store is refused once its
// entry is older than the TTL, on every replica; surfaces that share one
// Cache refuse it at the same moment. It is safe for concurrent use.
type Cache struct {
	store Finder
	ttl   time.Duration // 0: no caching
	now   func() time.Time

	mu sync.Mutex
	m  map[string]cachedKey
}

type cachedKey struct {
	key *Key
	at  time.Time
}

// NewCache returns a cache of store's keys that trusts a key read for ttl
// (0: read it on every lookup), by the clock now (nil: time.Now).
func NewCache(store Finder, ttl time.Duration, now func() time.Time) *Cache {
	if now == nil {
		now = time.Now
	}
	return &Cache{store: store, ttl: ttl, now: now}
}

// Authenticate returns the unrevoked key whose secret is secret.
// ErrInvalid when there is none or it is revoked; other errors (the store
// unavailable) are returned wrapped.
func (c *Cache) Authenticate(ctx context.Context, secret string) (*Key, error) {
	k, err := c.Lookup(ctx, Hash(secret))
	if errors.Is(err, commerce.ErrNotFound) || (err == nil && k.RevokedAt != nil) {
		return nil, ErrInvalid
	}
	if err != nil {
		return nil, fmt.Errorf("apikey: look up key: %w", err)
	}
	return k, nil
}

// Lookup returns a copy of the key with hash, from the cache when it was
// read less than the TTL ago. Errors (commerce.ErrNotFound included) are
// not cached.
func (c *Cache) Lookup(ctx context.Context, hash string) (*Key, error) {
	if c.ttl <= 0 {
		return c.store.APIKeyByHash(ctx, hash)
	}
	now := c.now()
	c.mu.Lock()
	e, ok := c.m[hash]
	c.mu.Unlock()
	if ok && now.Sub(e.at) < c.ttl && !now.Before(e.at) {
		k := *e.key
		return &k, nil
	}
	k, err := c.store.APIKeyByHash(ctx, hash)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= keyCacheMax {
		c.m = make(map[string]cachedKey)
	}
	kept := *k
	c.m[hash] = cachedKey{key: &kept, at: now}
	c.mu.Unlock()
	return k, nil
}
