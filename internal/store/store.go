// Package store names everything one agentshop database holds: each
// owner's interface (commerce.Store; idempotency.Store; apikey.Store;
// admintoken.Store; ops.Executor; payment/sandbox's Vault), implemented together by internal/store/sqlite
// and internal/store/postgres over one database, so that a caller's rows
// (an idempotent answer, a redeemed vault token) commit in the same
// transaction as commerce's.
//
// The owners define their interfaces where they use them; this package
// only puts them side by side for the composition root and the contract
// suite (internal/store/storetest). It must not import a store package.
package store

import (
	"context"

	"agentshop/internal/admintoken"
	"agentshop/internal/apikey"
	"agentshop/internal/commerce"
	"agentshop/internal/idempotency"
	"agentshop/internal/ops"
	"agentshop/internal/payment/sandbox"
	"agentshop/internal/secretbox"
)

// Store is a whole agentshop database.
type Store interface {
	commerce.Store
	commerce.PaymentEventExecutor
	idempotency.Store
	apikey.Store
	admintoken.Store
	sandbox.Vault
	ops.Executor
	// ProbeWrite commits a write that leaves nothing behind, for the
	// composition root's /readyz. It returns an error wrapping
	// commerce.ErrUnavailable while the database cannot write: its disk
	// full, read-only or failing.
	ProbeWrite(ctx context.Context) error
	Secrets
}

// Secrets is what the composition root (internal/app) sees of the
// recoverable secrets a database keeps sealed with internal/secretbox:
// today the API keys' signing secrets. The stores are opened with the
// box that seals and opens them.
type Secrets interface {
	// SealedSecrets counts the stored secrets by the id of the master key
	// that sealed them; "" counts secrets stored in clear (by a version
	// before sealing).
	SealedSecrets(ctx context.Context) (map[string]int, error)
	// ResealSecrets re-seals under box's primary key, in one transaction,
	// every stored secret that is in clear or sealed under another key of
	// box, and returns how many it rewrote: 0 when every secret is sealed
	// under the primary already, so a rerun after an interruption is
	// safe. A secret box cannot open (secretbox.ErrUnknownKey, ErrOpen)
	// fails it and nothing changes.
	ResealSecrets(ctx context.Context, box *secretbox.Box) (int, error)
}

// Tx is a whole agentshop database inside one transaction: what
// commerce.Store.InTx passes, seen by every owner.
type Tx interface {
	commerce.Executor
	commerce.PaymentEventExecutor
	idempotency.Executor
	apikey.Store
	admintoken.Store
	sandbox.Vault
	ops.Executor
}
