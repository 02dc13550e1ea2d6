package app

import (
	"time"

	"agentshop/internal/ops"
)

// Ops is the operations gateway's application layer over this app's
// store: accounts, servers and the audit log, for the CLI and the admin
// API alike. Servers' URLs start with the configured public URL.
func (a *App) Ops() *ops.Admin {
	return &ops.Admin{Store: a.Store, PublicURL: a.Config.Shop.PublicURL, Now: time.Now}
}

// Each ops server's request budget: a person's chat makes a few calls a
// minute, a model exploring a few per second; Stripe's own test-mode limit
// is 25 per second for the whole account.
const (
	opsRatePerSecond = 5
	opsRateBurst     = 30
)
