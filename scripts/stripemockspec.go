//go:build ignore

// Stripemockspec makes stripe-mock's beta OpenAPI spec accept a Shared
// Payment Token charge: in the spec stripe-mock v0.203.0 embeds, the
// payment_method_data objects that have shared_payment_granted_token still
// require "type", which Stripe does not require when a token is given, so
// stripe-mock answers 400 to the request Stripe documents. This drops
// "type" from those objects' required lists and nothing else.
//
//	go run scripts/stripemockspec.go IN/spec3.beta.sdk.json OUT.json
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: go run scripts/stripemockspec.go IN.json OUT.json")
		os.Exit(2)
	}
	b, err := os.ReadFile(os.Args[1])
	if err != nil {
		fail(err)
	}
	var spec map[string]any
	if err := json.Unmarshal(b, &spec); err != nil {
		fail(err)
	}
	n := patch(spec["paths"])
	if n == 0 {
		fail(fmt.Errorf("%s: no payment_method_data with shared_payment_granted_token requires type: a new spec? check the patch is still needed", os.Args[1]))
	}
	out, err := json.Marshal(spec)
	if err != nil {
		fail(err)
	}
	if err := os.WriteFile(os.Args[2], out, 0o644); err != nil {
		fail(err)
	}
	fmt.Printf("stripemockspec: %d objects patched\n", n)
}

// patch walks v and drops "type" from the required list of every object
// schema with a shared_payment_granted_token property; it returns how many
// it changed.
func patch(v any) int {
	n := 0
	switch o := v.(type) {
	case map[string]any:
		if props, ok := o["properties"].(map[string]any); ok {
			if _, ok := props["shared_payment_granted_token"]; ok {
				if req, ok := o["required"].([]any); ok && slices.Contains(req, any("type")) {
					req = slices.DeleteFunc(req, func(r any) bool { return r == "type" })
					if len(req) == 0 {
						delete(o, "required")
					} else {
						o["required"] = req
					}
					n++
				}
			}
		}
		for _, c := range o {
			n += patch(c)
		}
	case []any:
		for _, c := range o {
			n += patch(c)
		}
	}
	return n
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "stripemockspec:", err)
	os.Exit(1)
}
