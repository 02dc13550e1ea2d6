// Package store names everything one agentshop database holds: each
// owner's interface, implemented together by internal/store/sqlite and
// internal/store/postgres over one database, so that a caller's rows (an
// idempotent answer) commit in the same transaction as commerce's.
//
// The owners define their interfaces where they use them; this package
// only puts them side by side for the composition root and the contract
// suite (internal/store/storetest). It must not import a store package.
package store

import (
	"agentshop/internal/apikey"
	"agentshop/internal/commerce"
	"agentshop/internal/idempotency"
)

// Store is a whole agentshop database.
type Store interface {
	commerce.Store
	idempotency.Store
	apikey.Store
}

// Tx is a whole agentshop database inside one transaction: what
// commerce.Store.InTx passes, seen by every owner.
type Tx interface {
	commerce.Executor
	idempotency.Executor
	apikey.Store
}
