package acp20260417_test

import "agentshop/internal/commerce/commercetest"

// The codec tests' fixtures, shared with the other version's codec.
var (
	merchant   = commercetest.Merchant
	home       = commercetest.Home
	pricer     = commercetest.Pricer
	session    = commercetest.Session
	line       = commercetest.Line
	view       = commercetest.View
	completed  = commercetest.Completed
	decodeJSON = commercetest.DecodeJSON
)
