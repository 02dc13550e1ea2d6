package acp

import (
	"context"
	"sync"
	"time"

	"agentshop/internal/commerce"
)

// keyCacheMax bounds the cache; when full it starts over. Only keys found
// in the store are cached, so random bearer tokens cannot fill it.
const keyCacheMax = 4096

// keyCache remembers API keys read from the store for ttl, so that
// authenticating a request costs a database read once per key and ttl,
// not once per request. A key revoked in the store is refused once its
// entry is older than ttl, on every replica.
type keyCache struct {
	store interface {
		APIKeyByHash(ctx context.Context, hash string) (*commerce.APIKey, error)
	}
	ttl time.Duration // 0: no caching
	now func() time.Time

	mu sync.Mutex
	m  map[string]cachedKey
}

type cachedKey struct {
	key *commerce.APIKey
	at  time.Time
}

// lookup returns a copy of the key with hash, from the cache when it was
// read less than ttl ago. Errors (ErrNotFound included) are not cached.
func (c *keyCache) lookup(ctx context.Context, hash string) (*commerce.APIKey, error) {
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
