package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"agentshop/internal/apikey"
	"agentshop/internal/commerce"
)

// EnsureAPIKey installs AGENTSHOP_AGENT_API_KEY (Config.AgentAPIKey), or,
// when the store has no key at all, creates one and prints it to out: the
// first start's key. Serve calls it once its configuration is valid and
// its listener bound, so that a start that fails uses up no key.
func (a *App) EnsureAPIKey(ctx context.Context, out io.Writer) error {
	now := time.Now()
	if s := a.Config.AgentAPIKey; s != "" {
		_, err := a.Store.APIKeyByHash(ctx, apikey.Hash(s))
		if errors.Is(err, commerce.ErrNotFound) {
			err = a.Store.CreateAPIKey(ctx, apikey.FromSecret("AGENTSHOP_AGENT_API_KEY", s, now))
			if errors.Is(err, commerce.ErrConflict) {
				err = nil // another replica starting at the same time stored it
			}
		}
		return err
	}
	keys, err := a.Store.ListAPIKeys(ctx)
	if err != nil || len(keys) > 0 {
		return err
	}
	secret, k := apikey.New("first key", now)
	if err := a.Store.CreateAPIKey(ctx, k); err != nil {
		return err
	}
	fmt.Fprintf(out, "Created an agent API key (shown once; only its hash is stored):\n\n    %s\n\n", secret)
	return nil
}

// CreateAPIKey stores a new agent API key named name and returns its
// secret (shown once: only its hash is stored). With signing, the key
// also gets a signing secret that requests must be HMAC-signed with.
func (a *App) CreateAPIKey(ctx context.Context, name string, signing bool) (string, *apikey.Key, error) {
	now := time.Now()
	if signing && a.master.key == nil {
		return "", nil, fmt.Errorf("create api key: a signing secret is stored encrypted: %w", ErrNoMasterKey)
	}
	secret, k := apikey.New(name, now)
	if signing {
		sig, _ := apikey.New("", now)
		k.SigningSecret = "whsec_" + sig[len(apikey.SecretPrefix):]
	}
	if err := a.Store.CreateAPIKey(ctx, k); err != nil {
		return "", k, fmt.Errorf("create api key: %w", err)
	}
	return secret, k, nil
}

// RevokeAPIKey revokes the key with id; a request with it fails from
// then on (on the REST API after at most shop.api_key_cache).
func (a *App) RevokeAPIKey(ctx context.Context, id string) error {
	if err := a.Store.RevokeAPIKey(ctx, id, time.Now()); err != nil {
		if errors.Is(err, commerce.ErrNotFound) {
			return fmt.Errorf("no key %q", id)
		}
		return err
	}
	return nil
}
