package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"

	"agentshop/internal/commerce"
)

// Parse reads a catalog in any of the layouts described in the package doc
// and returns one item per variant, in file order. It does not check what
// [commerce.NewCatalog] checks across items (one currency per shop), but it
// does reject repeated product and variant ids, naming both lines.
func Parse(r io.Reader) ([]commerce.Item, error) {
	return parse("", r)
}

// Load parses r and builds the catalog with [commerce.NewCatalog].
func Load(r io.Reader) (*commerce.Catalog, error) {
	return load("", r)
}

// LoadFile loads the catalog file at path. Errors name the file.
func LoadFile(path string) (*commerce.Catalog, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	defer f.Close()
	return load(path, f)
}

func load(name string, r io.Reader) (*commerce.Catalog, error) {
	items, err := parse(name, r)
	if err != nil {
		return nil, err
	}
	c, err := commerce.NewCatalog(items)
	if err != nil && name != "" {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return c, err
}

// parser holds the file being parsed and the ids seen so far.
type parser struct {
	name     string // file name for errors, or ""
	data     []byte
	products map[string]int // product id → line
	variants map[string]int // variant id → line
}

func parse(name string, r io.Reader) ([]commerce.Item, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("catalog: read: %w", err)
	}
	p := &parser{
		name:     name,
		data:     bytes.TrimPrefix(data, []byte("\uFEFF")),
		products: make(map[string]int),
		variants: make(map[string]int),
	}
	raws, err := p.split()
	if err != nil {
		return nil, err
	}
	var items []commerce.Item
	for _, raw := range raws {
		its, err := p.product(raw)
		if err != nil {
			return nil, err
		}
		items = append(items, its...)
	}
	if len(items) == 0 {
		return nil, p.errorf(where{off: -1}, "no products")
	}
	return items, nil
}

// value is one JSON value of the file and its byte offset there.
type value struct {
	off int
	raw json.RawMessage
}

// split finds the products in any of the three layouts.
func (p *parser) split() ([]value, error) {
	start := skipSpace(p.data, 0)
	if start == len(p.data) {
		return nil, nil
	}
	switch p.data[start] {
	case '[':
		vals, end, err := p.array(start)
		if err != nil {
			return nil, err
		}
		if rest := skipSpace(p.data, end); rest != len(p.data) {
			return nil, p.errorf(where{off: rest}, "unexpected data after the product array")
		}
		return vals, nil
	case '{':
		vals, err := p.stream(start)
		if err != nil {
			return nil, err
		}
		if len(vals) == 1 && isEnvelope(vals[0].raw) {
			return p.envelope(vals[0].off)
		}
		return vals, nil
	default:
		return nil, p.errorf(where{off: start},
			`expected a JSON array of products, a {"products": [...]} object or one product object per line`)
	}
}

// stream reads consecutive top-level values (JSONL).
func (p *parser) stream(start int) ([]value, error) {
	dec := json.NewDecoder(bytes.NewReader(p.data[start:]))
	var vals []value
	for {
		off := skipSpace(p.data, start+int(dec.InputOffset()))
		var raw json.RawMessage
		if err := dec.Decode(&raw); err == io.EOF {
			return vals, nil
		} else if err != nil {
			return nil, p.syntaxError(start, off, err)
		}
		vals = append(vals, value{off, raw})
	}
}

// array reads the elements of the array starting at start and returns them
// with the offset just past the closing bracket.
func (p *parser) array(start int) ([]value, int, error) {
	dec := json.NewDecoder(bytes.NewReader(p.data[start:]))
	if _, err := dec.Token(); err != nil { // [
		return nil, 0, p.syntaxError(start, start, err)
	}
	var vals []value
	for dec.More() {
		off := skipSpace(p.data, start+int(dec.InputOffset()))
		if p.data[off] == ',' {
			off = skipSpace(p.data, off+1)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, 0, p.syntaxError(start, off, err)
		}
		vals = append(vals, value{off, raw})
	}
	if _, err := dec.Token(); err != nil { // ]
		return nil, 0, p.syntaxError(start, start, err)
	}
	return vals, start + int(dec.InputOffset()), nil
}

// isEnvelope reports whether raw is a {"products": [...]} object rather than a
// Product, which has no "products" field.
func isEnvelope(raw json.RawMessage) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return false
	}
	_, ok := m["products"]
	return ok
}

// envelope reads the products of the {"products": [...]} object at start.
func (p *parser) envelope(start int) ([]value, error) {
	var vals []value
	err := p.fields(start, func(key string, off int) error {
		if key != "products" {
			return p.errorf(where{off: off}, "unknown field %q", key)
		}
		if p.data[off] != '[' {
			return p.errorf(where{off: off}, "products: must be an array")
		}
		var err error
		vals, _, err = p.array(off)
		return err
	})
	return vals, err
}

// fields calls fn with each key of the object at start and the offset of
// its value.
func (p *parser) fields(start int, fn func(key string, off int) error) error {
	dec := json.NewDecoder(bytes.NewReader(p.data[start:]))
	if _, err := dec.Token(); err != nil { // {
		return p.syntaxError(start, start, err)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return p.syntaxError(start, start, err)
		}
		off := start + int(dec.InputOffset())
		off = skipSpace(p.data, off)
		off = skipSpace(p.data, off+1) // the colon
		if err := fn(tok.(string), off); err != nil {
			return err
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return p.syntaxError(start, off, err)
		}
	}
	return nil
}

// product converts one Product to items.
func (p *parser) product(v value) ([]commerce.Item, error) {
	at := where{off: v.off, product: peekID(v.raw)}
	var pr product
	if err := decodeStrict(v.raw, &pr); err != nil {
		return nil, p.errorf(at, "%s", fieldError(err))
	}
	if pr.ID == "" {
		return nil, p.errorf(at, "id: required")
	}
	line := p.line(v.off)
	if prev, dup := p.products[pr.ID]; dup {
		return nil, p.errorf(at, "id: duplicate of the product on line %d", prev)
	}
	p.products[pr.ID] = line
	if len(pr.Variants) == 0 {
		return nil, p.errorf(at, "variants: at least one variant required")
	}

	// Variant offsets, for errors on the variant's own line in the array
	// and object layouts.
	var offs []value
	if err := p.fields(v.off, func(key string, off int) error {
		if key == "variants" {
			var err error
			offs, _, err = p.array(off)
			return err
		}
		return nil
	}); err != nil {
		return nil, err
	}

	items := make([]commerce.Item, 0, len(offs))
	for i, vv := range offs {
		it, err := p.variant(&pr, i, vv)
		if err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	return items, nil
}

// variant converts the i-th Variant of pr to an item.
func (p *parser) variant(pr *product, i int, v value) (commerce.Item, error) {
	at := where{off: v.off, product: pr.ID, variant: peekID(v.raw), index: i + 1}
	var va variant
	if err := decodeStrict(v.raw, &va); err != nil {
		return commerce.Item{}, p.errorf(at, "%s", fieldError(err))
	}
	switch {
	case va.ID == "":
		return commerce.Item{}, p.errorf(at, "id: required")
	case va.Title == "":
		return commerce.Item{}, p.errorf(at, "title: required")
	case va.Price == nil:
		return commerce.Item{}, p.errorf(at, "price: required")
	case va.Price.Amount == nil:
		return commerce.Item{}, p.errorf(at, "price.amount: required")
	case *va.Price.Amount < 0:
		return commerce.Item{}, p.errorf(at, "price.amount: must be an integer ≥ 0, got %d", *va.Price.Amount)
	case va.Price.Currency == nil:
		return commerce.Item{}, p.errorf(at, "price.currency: required")
	case va.Stock != nil && *va.Stock < 0:
		return commerce.Item{}, p.errorf(at, "agentshop:stock: must be an integer ≥ 0, got %d", *va.Stock)
	}
	cur, err := commerce.ParseCurrency(*va.Price.Currency)
	if err != nil {
		return commerce.Item{}, p.errorf(at, "price.currency: %v", err)
	}
	line := p.line(v.off)
	if prev, dup := p.variants[va.ID]; dup {
		return commerce.Item{}, p.errorf(at, "id: duplicate of the variant on line %d", prev)
	}
	p.variants[va.ID] = line

	it := commerce.Item{
		ID:          va.ID,
		ProductID:   pr.ID,
		Title:       itemTitle(pr.Title, va.Title),
		Description: va.Description.text(),
		URL:         va.URL,
		ImageURL:    firstImage(va.Media),
		Price:       *va.Price.Amount,
		Currency:    cur,
		Stock:       va.stock(),
		Digital:     va.Digital != nil && *va.Digital,
		Brand:       pr.Brand,
	}
	if it.Description == "" {
		it.Description = pr.Description.text()
	}
	if it.URL == "" {
		it.URL = pr.URL
	}
	if it.ImageURL == "" {
		it.ImageURL = firstImage(pr.Media)
	}
	if it.Brand == "" && va.Seller != nil {
		it.Brand = va.Seller.Name
	}
	if len(va.Categories) > 0 {
		it.Category = va.Categories[0].Value
	}
	for _, o := range va.VariantOptions {
		it.Options = append(it.Options, commerce.ItemOption{Name: o.Name, Value: o.Value})
	}
	return it, nil
}

// decodeStrict decodes one JSON value, rejecting unknown fields.
func decodeStrict(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// peekID returns the string "id" of an object, or "" if there is none, so
// that errors can name a product or variant that fails to decode.
func peekID(raw []byte) string {
	var o struct {
		ID any `json:"id"`
	}
	_ = json.Unmarshal(raw, &o)
	s, _ := o.ID.(string)
	return s
}

// fieldError turns an encoding/json decode error into "field: problem".
func fieldError(err error) string {
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		msg := "must be " + kindName(te.Type) + ", got " + te.Value
		if te.Field == "" {
			return msg
		}
		return te.Field + ": " + msg
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// kindName names the JSON type expected for a Go type. Every integer in a
// feed (amounts, stock, pixel sizes) must be non-negative.
func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer ≥ 0"
	case reflect.Slice, reflect.Array:
		return "an array"
	default:
		return "an object"
	}
}

// where locates an error: a byte offset (its line; -1 for none), a product
// and variant.
type where struct {
	off              int
	product, variant string
	index            int // variant position from 1, shown when it has no id
}

func (p *parser) errorf(at where, format string, args ...any) error {
	var b strings.Builder
	b.WriteString("catalog: ")
	if p.name != "" {
		b.WriteString(p.name + ": ")
	}
	if at.off >= 0 {
		fmt.Fprintf(&b, "line %d: ", p.line(at.off))
	}
	if at.product != "" {
		fmt.Fprintf(&b, "product %q", at.product)
		if at.variant != "" {
			fmt.Fprintf(&b, " variant %q", at.variant)
		} else if at.index > 0 {
			fmt.Fprintf(&b, " variant #%d", at.index)
		}
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, format, args...)
	return errors.New(b.String())
}

// syntaxError reports a JSON syntax error of the decoder that started at
// base; off is where the value being read began, used when err carries no
// offset.
func (p *parser) syntaxError(base, off int, err error) error {
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		off = base + int(se.Offset)
	}
	if err == io.ErrUnexpectedEOF {
		off = len(p.data)
	}
	return p.errorf(where{off: min(off, len(p.data))}, "invalid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
}

// line returns the 1-based line of byte offset off.
func (p *parser) line(off int) int {
	return 1 + bytes.Count(p.data[:off], []byte("\n"))
}

// skipSpace returns the offset of the first non-space byte at or after off.
func skipSpace(data []byte, off int) int {
	for off < len(data) {
		switch data[off] {
		case ' ', '\t', '\n', '\r':
			off++
		default:
			return off
		}
	}
	return off
}
