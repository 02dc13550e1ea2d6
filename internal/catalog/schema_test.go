package catalog

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestDemoSchema validates every demo product against the ACP 2026-04-17
// feed schema's Product definition once the "agentshop:" extension fields
// are removed, and checks that the schema does reject them (Product and
// Variant are "additionalProperties": false), which is why they must be
// stripped before a feed is published.
func TestDemoSchema(t *testing.T) {
	t.Parallel()
	dir := os.Getenv("AGENTSHOP_ACP_SPEC_DIR")
	if dir == "" {
		t.Skip("AGENTSHOP_ACP_SPEC_DIR is unset; set it to the ACP spec directory (the one holding 2026-04-17/json-schema/schema.feed.json) to validate demo.json")
	}
	path := filepath.Join(dir, "2026-04-17", "json-schema", "schema.feed.json")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	const url = "https://agentshop.example/acp/2026-04-17/schema.feed.json"
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	productSchema, err := c.Compile(url + "#/$defs/Product")
	if err != nil {
		t.Fatal(err)
	}

	demo, err := jsonschema.UnmarshalJSON(bytes.NewReader(demoJSON))
	if err != nil {
		t.Fatal(err)
	}
	products := demo.(map[string]any)["products"].([]any)
	if len(products) < 8 {
		t.Fatalf("demo.json has %d products", len(products))
	}
	for _, p := range products {
		p := p.(map[string]any)
		id := p["id"].(string)
		if err := productSchema.Validate(p); err == nil {
			t.Errorf("product %q with extension fields is schema-valid; expected additionalProperties to reject them", id)
		}
		if n := stripExtensions(p); n == 0 {
			t.Errorf("product %q: no agentshop: fields to strip", id)
		}
		if err := productSchema.Validate(p); err != nil {
			t.Errorf("product %q without extension fields: %v", id, err)
		}
	}
}

// stripExtensions deletes the "agentshop:" fields of a product and its
// variants and returns how many it deleted.
func stripExtensions(product map[string]any) int {
	n := stripKeys(product)
	for _, v := range product["variants"].([]any) {
		n += stripKeys(v.(map[string]any))
	}
	return n
}

func stripKeys(m map[string]any) int {
	n := 0
	for k := range m {
		if strings.HasPrefix(k, "agentshop:") {
			delete(m, k)
			n++
		}
	}
	return n
}
