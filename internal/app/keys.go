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
