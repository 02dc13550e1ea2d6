package main

import (
	"errors"
	"github.com/spf13/pflag"
	"io"
	"testing"

	"agentshop/internal/acpclient"
)

func TestParseBuyFlags(t *testing.T) {
	t.Parallel()
	env := func(k string) string {
		if k == "AGENTSHOP_AGENT_API_KEY" {
			return "sk_from_env"
		}
		return ""
	}
	o, err := parseBuyFlags([]string{"--merchant", "http://x", "--item", "a", "--item", "b", "--quantity", "3", "--card", "4000 0025 0000 3155",
		"--ship-to", "Ada Lovelace, 1 Main St, San Francisco, CA 94103, US"}, io.Discard, env)
	if err != nil {
		t.Fatal(err)
	}
	if o.APIKey != "sk_from_env" || o.Card != "4000002500003155" || o.Quantity != 3 || len(o.Items) != 2 || o.ShipTo == nil || o.Version != acpclient.Version20260417 {
		t.Errorf("options = %+v", o)
	}
	for _, args := range [][]string{
		{"--item", "a"},
		{"--merchant", "http://x"},
		{"--merchant", "http://x", "--item", "a", "--quantity", "0"},
		{"--merchant", "http://x", "--item", "a", "--api-version", "2026-01-30"},
		{"--merchant", "http://x", "--item", "a", "--card", "4242"},
		{"--merchant", "http://x", "--item", "a", "--ship-to", "nowhere"},
	} {
		if _, err := parseBuyFlags(args, io.Discard, env); err == nil {
			t.Errorf("parseBuyFlags(%q) accepted", args)
		}
	}
	if _, err := parseBuyFlags([]string{"-h"}, io.Discard, env); !errors.Is(err, pflag.ErrHelp) {
		t.Errorf("-h: %v, want pflag.ErrHelp", err)
	}
}
