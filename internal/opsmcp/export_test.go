package opsmcp_test

import (
	"encoding/json"
	"testing"

	"agentshop/internal/opsmcp"
	"agentshop/internal/ratelimit"
)

type opsmcpConfig = opsmcp.Config

func ratelimitNew(rate float64, burst int) *ratelimit.Limiter { return ratelimit.New(rate, burst, 0) }

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
