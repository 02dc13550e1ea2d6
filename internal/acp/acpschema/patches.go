package acpschema

import (
	"encoding/json"
	"fmt"
	"slices"
)

// patch applies the fixes for known bugs in the published schemas to one
// bundle, in memory. Every patch names the bug it works around. A patch
// whose target is missing fails loudly, so a corrected upstream schema is
// noticed rather than silently double-patched.
//
// Rule: a patch may only make a schema express what the spec text and
// examples say. It must never loosen a rule to make agentshop's own output
// pass.
func patch(version, bundle string, doc map[string]any) error {
	// All bundles: the top-level $id values are placeholders
	// (https://example.com/schemas/...), identical across versions, and
	// discount.json and cart.json reference "schema.agentic_checkout.json"
	// relative to ids under which no such file exists. Dropping $id makes
	// each file's own location its base URI, so the relative references
	// resolve to the sibling file of the same version.
	delete(doc, "$id")

	switch {
	case version == "2025-09-29" && bundle == "agentic_checkout":
		return patch20250929(doc)
	case version == "2026-04-17" && bundle == "agentic_checkout":
		return patch20260417(doc)
	}
	return nil
}

func patch20250929(doc map[string]any) error {
	// Item.quantity uses the draft-04 boolean form
	// {"minimum": 0, "exclusiveMinimum": true} in a draft 2020-12 bundle,
	// where exclusiveMinimum must be a number: the bundle does not compile.
	// The intended rule (PR #3, "number > 0") is exclusiveMinimum: 0.
	q, err := object(doc, "$defs", "Item", "properties", "quantity")
	if err != nil {
		return err
	}
	if b, ok := q["exclusiveMinimum"].(bool); ok && b {
		delete(q, "minimum")
		q["exclusiveMinimum"] = json.Number("0")
	}

	// CheckoutSessionWithOrder is allOf[CheckoutSessionBase, {order*}] but
	// CheckoutSessionBase has additionalProperties:false and no "order"
	// property, so no document can satisfy it (fixed upstream from
	// 2025-12-12 by adding order to the base). Replace it with a copy of
	// the base that declares and requires order; CheckoutSession itself is
	// unchanged and still rejects "order".
	defs, err := object(doc, "$defs")
	if err != nil {
		return err
	}
	base, err := object(doc, "$defs", "CheckoutSessionBase")
	if err != nil {
		return err
	}
	withOrder := deepCopy(base).(map[string]any)
	props, err := object(withOrder, "properties")
	if err != nil {
		return err
	}
	props["order"] = map[string]any{"$ref": "#/$defs/Order"}
	req, _ := withOrder["required"].([]any)
	withOrder["required"] = append(slices.Clone(req), "order")
	defs["CheckoutSessionWithOrder"] = withOrder
	return nil
}

func patch20260417(doc map[string]any) error {
	defs, err := object(doc, "$defs")
	if err != nil {
		return err
	}

	// Issue #264 (PR #270, SEP #272): request line_items are Item{id, name,
	// unit_amount} with additionalProperties:false, so the quantity every
	// example sends is rejected. Requests get their own item definition
	// that also allows quantity (integer ≥ 1, default 1); Item as used in
	// responses (LineItem.item) stays strict.
	item, err := object(doc, "$defs", "Item")
	if err != nil {
		return err
	}
	reqItem := deepCopy(item).(map[string]any)
	props, err := object(reqItem, "properties")
	if err != nil {
		return err
	}
	props["quantity"] = map[string]any{"type": "integer", "minimum": json.Number("1"), "default": json.Number("1")}
	defs["RequestItem"] = reqItem
	for _, name := range []string{"CheckoutSessionCreateRequest", "CheckoutSessionUpdateRequest"} {
		items, err := object(doc, "$defs", name, "properties", "line_items", "items")
		if err != nil {
			return err
		}
		if items["$ref"] != "#/$defs/Item" {
			return fmt.Errorf("%s.line_items.items is %v, want a $ref to Item", name, items["$ref"])
		}
		items["$ref"] = "#/$defs/RequestItem"
	}

	// Capabilities.extensions is oneOf[string[], ExtensionDeclaration[]]:
	// an empty array matches both branches and so fails oneOf, although
	// both the agent's "no extensions" and the seller's are meant to be
	// valid. anyOf keeps every non-empty check and accepts [].
	ext, err := object(doc, "$defs", "Capabilities", "properties", "extensions")
	if err != nil {
		return err
	}
	one, ok := ext["oneOf"]
	if !ok {
		return fmt.Errorf("capabilities.extensions has no oneOf")
	}
	delete(ext, "oneOf")
	ext["anyOf"] = one
	return nil
}

// object returns the object at path under doc.
func object(doc map[string]any, path ...string) (map[string]any, error) {
	cur := doc
	for i, k := range path {
		next, ok := cur[k].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("no object at %v", path[:i+1])
		}
		cur = next
	}
	return cur, nil
}

func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[k] = deepCopy(x)
		}
		return m
	case []any:
		s := make([]any, len(v))
		for i, x := range v {
			s[i] = deepCopy(x)
		}
		return s
	}
	return v
}
