package acpschema

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// mainBundle is the bundle searched first for an unqualified definition
// name: "Error" means the checkout Error, not the delegate-payment one.
const mainBundle = "agentic_checkout"

// Validator validates documents against the ACP schema bundles of one or
// more versions. It is safe for concurrent use; schemas are compiled on
// first use and cached.
type Validator struct {
	versions map[string]*version

	mu       sync.Mutex
	compiled map[string]*jsonschema.Schema // by version + " " + location
}

// version holds one version's patched bundles and their compiler.
type version struct {
	name     string
	bundles  map[string]bundle // by bundle name, e.g. "agentic_checkout"
	order    []string          // bundle names, mainBundle first
	compiler *jsonschema.Compiler
}

// bundle is one schema file.
type bundle struct {
	url  string // file URL the compiler knows it by
	defs map[string]any
}

// Load reads every <dir>/<version>/json-schema/*.json and, for each
// version that has one, <dir>/<version>/openapi/openapi.agentic_checkout_webhook.yaml
// (as the bundle "webhook", see [Validator.Validate]), applies the
// documented spec patches and returns a Validator for all versions found.
// It returns an error when dir holds no schema bundles, a file is not
// valid JSON or YAML, or the webhook file references a schema that cannot
// be resolved.
func Load(dir string) (*Validator, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("acpschema: %w", err)
	}
	files, err := filepath.Glob(filepath.Join(abs, "*", "json-schema", "*.json"))
	if err != nil {
		return nil, fmt.Errorf("acpschema: %w", err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("acpschema: no schema bundles under %s (want <version>/json-schema/*.json)", abs)
	}
	sort.Strings(files)
	v := &Validator{versions: map[string]*version{}, compiled: map[string]*jsonschema.Schema{}}
	for _, f := range files {
		name := filepath.Base(filepath.Dir(filepath.Dir(f)))
		ver := v.versions[name]
		if ver == nil {
			c := jsonschema.NewCompiler()
			c.DefaultDraft(jsonschema.Draft2020)
			c.AssertFormat()
			ver = &version{name: name, bundles: map[string]bundle{}, compiler: c}
			v.versions[name] = ver
		}
		if err := ver.add(f); err != nil {
			return nil, err
		}
	}
	for name, ver := range v.versions {
		// After the JSON bundles: webhook schemas reference the checkout one.
		if err := ver.addWebhook(filepath.Join(abs, name)); err != nil {
			return nil, err
		}
		sort.SliceStable(ver.order, func(i, j int) bool { return ver.order[i] == mainBundle && ver.order[j] != mainBundle })
	}
	return v, nil
}

func (ver *version) add(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("acpschema: %w", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("acpschema: %s: %w", path, err)
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		return fmt.Errorf("acpschema: %s: not a JSON object", path)
	}
	name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(path), "schema."), ".json")
	if err := patch(ver.name, name, obj); err != nil {
		return fmt.Errorf("acpschema: patch %s %s: %w", ver.name, name, err)
	}
	u := fileURL(path)
	if err := ver.compiler.AddResource(u, obj); err != nil {
		return fmt.Errorf("acpschema: %s: %w", path, err)
	}
	defs, _ := obj["$defs"].(map[string]any)
	ver.bundles[name] = bundle{url: u, defs: defs}
	ver.order = append(ver.order, name)
	return nil
}

// fileURL returns the file URL of the absolute path, by which the
// compiler knows a bundle.
func fileURL(path string) string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(path)}).String()
}

// Versions returns the versions loaded, oldest first.
func (v *Validator) Versions() []string {
	out := make([]string, 0, len(v.versions))
	for k := range v.versions {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Validate validates doc (JSON text) against the definition def of the
// given version. def names a $defs entry such as "CheckoutSession",
// "CheckoutSessionWithOrder", "Error" or "DelegatePaymentResponse"; it is
// looked up in the checkout bundle first, then in the others by file name.
// Qualify it with the bundle to pick another file's definition of the same
// name: "delegate_payment:Error". The webhook OpenAPI file's
// components.schemas are the bundle "webhook": "webhook:WebhookEvent"
// validates an order event body.
//
// It returns a non-nil error listing every violation when doc is invalid,
// and an error when doc is not JSON or the definition is unknown.
func (v *Validator) Validate(version, def string, doc []byte) error {
	sch, err := v.schema(version, def)
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("acpschema: document is not JSON: %w", err)
	}
	if err := sch.Validate(inst); err != nil {
		var ve *jsonschema.ValidationError
		if errors.As(err, &ve) {
			return fmt.Errorf("acpschema: %s %s: %s", version, def, detail(ve))
		}
		return fmt.Errorf("acpschema: %s %s: %w", version, def, err)
	}
	return nil
}

// schema compiles (once) and returns the schema for version and def.
func (v *Validator) schema(version, def string) (*jsonschema.Schema, error) {
	ver, ok := v.versions[version]
	if !ok {
		return nil, fmt.Errorf("acpschema: version %q not loaded (have %s)", version, strings.Join(v.Versions(), ", "))
	}
	loc, err := ver.locate(def)
	if err != nil {
		return nil, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	key := version + " " + loc
	if s, ok := v.compiled[key]; ok {
		return s, nil
	}
	s, err := ver.compiler.Compile(loc)
	if err != nil {
		return nil, fmt.Errorf("acpschema: compile %s %s: %w", version, def, err)
	}
	v.compiled[key] = s
	return s, nil
}

func (ver *version) locate(def string) (string, error) {
	names := ver.order
	if b, d, ok := strings.Cut(def, ":"); ok {
		names, def = []string{b}, d
	}
	for _, n := range names {
		b, ok := ver.bundles[n]
		if !ok {
			continue
		}
		if _, ok := b.defs[def]; ok {
			return b.url + "#/$defs/" + def, nil
		}
	}
	return "", fmt.Errorf("acpschema: %s has no definition %q", ver.name, def)
}

// detail flattens a validation error tree into "at <path>: <message>" lines
// of its leaves, which name the actual problems.
func detail(ve *jsonschema.ValidationError) string {
	p := message.NewPrinter(language.English)
	var lines []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			lines = append(lines, fmt.Sprintf("at $/%s: %s", strings.Join(e.InstanceLocation, "/"), e.ErrorKind.LocalizedString(p)))
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	sort.Strings(lines)
	return strings.Join(lines, "; ")
}
