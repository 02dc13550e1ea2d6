package admin

import (
	"context"
	"fmt"

	"agentshop/internal/apikey"
	"agentshop/internal/commerce"
)

// KeyInput describes a new agent API key.
type KeyInput struct {
	Name string
	// Signing also gives the key a signing secret that its requests must
	// be HMAC-signed with (stored sealed under the master key).
	Signing bool
}

// CreateAPIKey stores a new agent API key and returns its secret (shown
// once: only its hash is stored); with in.Signing the key's SigningSecret
// is set too. hooks run in the transaction that stores the key (Commit
// with it). EINVALID for a name too long; with Signing and no master key
// an error wrapping [Service.NoSealing].
func (s *Service) CreateAPIKey(ctx context.Context, in KeyInput, hooks *commerce.TxHooks[*apikey.Key]) (string, *apikey.Key, error) {
	name, err := checkName("name", in.Name)
	if err != nil {
		return "", nil, err
	}
	if name == "" {
		name = "agent"
	}
	if in.Signing && s.NoSealing != nil {
		return "", nil, fmt.Errorf("create api key: a signing secret is stored encrypted: %w", s.NoSealing)
	}
	now := s.now()
	secret, k := apikey.New(name, now)
	if in.Signing {
		sig, _ := apikey.New("", now)
		k.SigningSecret = "whsec_" + sig[len(apikey.SecretPrefix):]
	}
	err = s.Store.InTx(ctx, func(tx commerce.Executor) error {
		if err := begin(ctx, tx, hooks); err != nil {
			return err
		}
		keys, err := keyStore(tx)
		if err != nil {
			return err
		}
		if err := keys.CreateAPIKey(ctx, k); err != nil {
			return err
		}
		return commit(ctx, tx, hooks, k)
	})
	if err != nil {
		return "", nil, fmt.Errorf("create api key: %w", err)
	}
	hooksBegun(hooks)
	return secret, k, nil
}

// ListAPIKeys returns every agent API key, oldest first, never a secret
// in a view of it ([NewKeyView]).
func (s *Service) ListAPIKeys(ctx context.Context) ([]*apikey.Key, error) {
	return s.Store.ListAPIKeys(ctx)
}

// RevokeAPIKey revokes the key with id and returns it; a request with it
// fails from then on (on the REST API after at most shop.api_key_cache).
// A key revoked already is returned as it is, its revocation time kept.
// hooks run in the transaction (Commit with the revoked key). ENOTFOUND
// for an unknown id.
func (s *Service) RevokeAPIKey(ctx context.Context, id string, hooks *commerce.TxHooks[*apikey.Key]) (*apikey.Key, error) {
	var out *apikey.Key
	err := s.Store.InTx(ctx, func(tx commerce.Executor) error {
		if err := begin(ctx, tx, hooks); err != nil {
			return err
		}
		keys, err := keyStore(tx)
		if err != nil {
			return err
		}
		all, err := keys.ListAPIKeys(ctx)
		if err != nil {
			return err
		}
		for _, k := range all {
			if k.ID != id {
				continue
			}
			if k.RevokedAt == nil {
				at := s.now().UTC()
				if err := keys.RevokeAPIKey(ctx, id, at); err != nil {
					return err
				}
				k.RevokedAt = &at
			}
			out = k
			return commit(ctx, tx, hooks, k)
		}
		return commerce.Errorf(commerce.ENOTFOUND, "No API key %q.", id)
	})
	if err != nil {
		return nil, err
	}
	hooksBegun(hooks)
	return out, nil
}

// keyStore is tx's API-key side: the stores' transactions hold the keys
// beside commerce's rows.
func keyStore(tx commerce.Executor) (apikey.Store, error) {
	k, ok := tx.(apikey.Store)
	if !ok {
		return nil, fmt.Errorf("admin: transaction %T holds no API keys", tx)
	}
	return k, nil
}

// begin, commit and hooksBegun run a caller's hooks around a transaction
// of this package, as commerce.Service runs them around its own.
func begin[T any](ctx context.Context, tx commerce.Executor, h *commerce.TxHooks[T]) error {
	if h == nil || h.Begin == nil {
		return nil
	}
	return h.Begin(ctx, tx)
}

func commit[T any](ctx context.Context, tx commerce.Executor, h *commerce.TxHooks[T], v T) error {
	if h == nil || h.Commit == nil {
		return nil
	}
	return h.Commit(ctx, tx, v)
}

func hooksBegun[T any](h *commerce.TxHooks[T]) {
	if h != nil && h.Begun != nil {
		h.Begun()
	}
}
