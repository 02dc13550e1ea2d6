package acpschema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

// webhookBundle names the bundle made from a version's webhook OpenAPI
// file; qualify definitions with it: "webhook:WebhookEvent".
const webhookBundle = "webhook"

// webhookFile is the webhook OpenAPI file under <dir>/<version>/openapi/.
const webhookFile = "openapi.agentic_checkout_webhook.yaml"

// checkoutOpenAPI is the checkout OpenAPI file that webhook schemas
// reference (2026-04-17: EventDataOrder is allOf its Order). Its
// components.schemas are the checkout JSON-schema bundle's $defs, so
// references into it are pointed there.
const checkoutOpenAPI = "openapi.agentic_checkout.yaml"

// addWebhook loads <versionDir>/openapi/openapi.agentic_checkout_webhook.yaml,
// when the version has one, as the bundle "webhook": its
// components.schemas become the bundle's $defs. References are rewritten:
// #/components/schemas/X to the bundle's own #/$defs/X, and
// ./openapi.agentic_checkout.yaml#/components/schemas/X to $defs/X of the
// checkout JSON-schema bundle of the same version, which must be loaded
// first. Any other reference is an error, so a new kind of reference in an
// updated spec is noticed rather than left dangling.
func (ver *version) addWebhook(versionDir string) error {
	path := filepath.Join(versionDir, "openapi", webhookFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // a version without webhooks: nothing to add
	}
	if err != nil {
		return fmt.Errorf("acpschema: %w", err)
	}
	obj, err := yamlToJSON(b)
	if err != nil {
		return fmt.Errorf("acpschema: %s: %w", path, err)
	}
	schemas, err := object(obj, "components", "schemas")
	if err != nil {
		return fmt.Errorf("acpschema: %s: %w", path, err)
	}
	checkout, ok := ver.bundles[mainBundle]
	if !ok {
		return fmt.Errorf("acpschema: %s: no %s bundle for %s to resolve its references", path, mainBundle, ver.name)
	}
	if err := rewriteRefs(schemas, schemas, checkout); err != nil {
		return fmt.Errorf("acpschema: %s: %w", path, err)
	}
	doc := map[string]any{"$defs": schemas}
	if err := patch(ver.name, webhookBundle, doc); err != nil {
		return fmt.Errorf("acpschema: patch %s %s: %w", ver.name, webhookBundle, err)
	}
	u := fileURL(path)
	if err := ver.compiler.AddResource(u, doc); err != nil {
		return fmt.Errorf("acpschema: %s: %w", path, err)
	}
	ver.bundles[webhookBundle] = bundle{url: u, defs: schemas}
	ver.order = append(ver.order, webhookBundle)
	return nil
}

// yamlToJSON decodes a YAML document into the value the schema compiler
// expects for JSON: it re-encodes it as JSON and decodes that with
// jsonschema.UnmarshalJSON, so numbers are json.Number as in the JSON
// bundles.
func yamlToJSON(b []byte) (map[string]any, error) {
	var y any
	if err := yaml.Unmarshal(b, &y); err != nil {
		return nil, fmt.Errorf("decode YAML: %w", err)
	}
	y, err := stringKeys(y)
	if err != nil {
		return nil, err
	}
	j, err := json.Marshal(y)
	if err != nil {
		return nil, fmt.Errorf("YAML to JSON: %w", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
	if err != nil {
		return nil, fmt.Errorf("YAML to JSON: %w", err)
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		return nil, errors.New("not a YAML mapping")
	}
	return obj, nil
}

// stringKeys converts the map[any]any that YAML gives for mappings with
// non-string keys (such as an unquoted 200) into map[string]any, which
// JSON can encode.
func stringKeys(v any) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			c, err := stringKeys(x)
			if err != nil {
				return nil, err
			}
			v[k] = c
		}
		return v, nil
	case map[any]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			switch k.(type) {
			case string, int, int64, uint64, float64, bool:
			default:
				return nil, fmt.Errorf("YAML key %v (%T) has no JSON form", k, k)
			}
			c, err := stringKeys(x)
			if err != nil {
				return nil, err
			}
			m[fmt.Sprint(k)] = c
		}
		return m, nil
	case []any:
		for i, x := range v {
			c, err := stringKeys(x)
			if err != nil {
				return nil, err
			}
			v[i] = c
		}
		return v, nil
	}
	return v, nil
}

// rewriteRefs rewrites every $ref under v in place (see
// [version.addWebhook]). own holds the bundle's definitions, to check that
// local references resolve.
func rewriteRefs(v any, own map[string]any, checkout bundle) error {
	switch v := v.(type) {
	case map[string]any:
		if ref, ok := v["$ref"].(string); ok {
			file, name, ok := strings.Cut(ref, "#/components/schemas/")
			switch {
			case !ok || strings.Contains(name, "/"):
				return fmt.Errorf("unsupported $ref %q", ref)
			case file == "":
				if _, ok := own[name]; !ok {
					return fmt.Errorf("$ref %q: no such schema", ref)
				}
				v["$ref"] = "#/$defs/" + name
			case strings.TrimPrefix(file, "./") == checkoutOpenAPI:
				if _, ok := checkout.defs[name]; !ok {
					return fmt.Errorf("$ref %q: the checkout bundle has no $defs/%s", ref, name)
				}
				v["$ref"] = checkout.url + "#/$defs/" + name
			default:
				return fmt.Errorf("unsupported $ref %q", ref)
			}
		}
		for _, x := range v {
			if err := rewriteRefs(x, own, checkout); err != nil {
				return err
			}
		}
	case []any:
		for _, x := range v {
			if err := rewriteRefs(x, own, checkout); err != nil {
				return err
			}
		}
	}
	return nil
}
