package catalog

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"agentshop/internal/commerce"
)

// Two small products used by several layouts. p1's variant has everything
// agentshop reads; p2's variants rely on product fallbacks and defaults.
const (
	p1 = `{"id":"p1","title":"Racket","agentshop:brand":"StarVie","description":{"plain":"A racket."},` +
		`"url":"https://shop.example/p1","media":[{"type":"image","url":"https://img.example/p1.jpg"}],` +
		`"variants":[{"id":"v1","title":"Blue","url":"https://shop.example/p1?v=v1",` +
		`"price":{"amount":13900,"currency":"USD"},"categories":[{"value":"Padel > Rackets"},{"value":"Other"}],` +
		`"variant_options":[{"name":"Color","value":"Blue"}],` +
		`"media":[{"type":"video","url":"https://img.example/v1.mp4"},{"type":"image","url":"https://img.example/v1.jpg"}],` +
		`"agentshop:stock":12}]}`
	p2 = `{"id":"p2","title":"Gift Card","description":{"markdown":"# Gift card\n**Instant** [delivery](https://x.example)."},` +
		`"url":"https://shop.example/p2","media":[{"type":"image","url":"https://img.example/p2.jpg"}],` +
		`"variants":[` +
		`{"id":"v2","title":"Gift Card","price":{"amount":2500,"currency":"usd"},"seller":{"name":"Shop"},"agentshop:digital":true},` +
		`{"id":"v3","title":"Gift Card, $50","description":{"html":"<p>Fifty&nbsp;<b>dollars</b></p>"},` +
		`"price":{"amount":5000,"currency":"Usd"},"availability":{"available":false,"status":"in_stock"}},` +
		`{"id":"v4","title":"$100","price":{"amount":10000,"currency":"USD"},"availability":{"status":"out_of_stock"},"agentshop:stock":7}` +
		`]}`
)

var wantItems = []commerce.Item{
	{
		ID: "v1", ProductID: "p1", Title: "Racket — Blue", Description: "A racket.",
		URL: "https://shop.example/p1?v=v1", ImageURL: "https://img.example/v1.jpg",
		Price: 13900, Currency: "usd", Stock: 12, Category: "Padel > Rackets", Brand: "StarVie",
		Options: []commerce.ItemOption{{Name: "Color", Value: "Blue"}},
	},
	{
		ID: "v2", ProductID: "p2", Title: "Gift Card", Description: "Gift card Instant delivery.",
		URL: "https://shop.example/p2", ImageURL: "https://img.example/p2.jpg",
		Price: 2500, Currency: "usd", Stock: DefaultStock, Digital: true, Brand: "Shop",
	},
	{
		ID: "v3", ProductID: "p2", Title: "Gift Card, $50", Description: "Fifty dollars",
		URL: "https://shop.example/p2", ImageURL: "https://img.example/p2.jpg",
		Price: 5000, Currency: "usd", Stock: 0,
	},
	{
		ID: "v4", ProductID: "p2", Title: "Gift Card — $100", Description: "Gift card Instant delivery.",
		URL: "https://shop.example/p2", ImageURL: "https://img.example/p2.jpg",
		Price: 10000, Currency: "usd", Stock: 7,
	},
}

func TestParseLayouts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
	}{
		{"array", "[" + p1 + "," + p2 + "]"},
		{"array pretty", "[\n  " + p1 + ",\n\n  " + p2 + "\n]\n"},
		{"object", `{"products":[` + p1 + "," + p2 + "]}"},
		{"object pretty", "{\n  \"products\": [\n    " + p1 + ",\n    " + p2 + "\n  ]\n}\n"},
		{"jsonl", p1 + "\n" + p2 + "\n"},
		{"jsonl blank lines and crlf", "\r\n\n" + p1 + "\r\n\n   \n" + p2},
		{"byte order mark", "\uFEFF" + p1 + "\n" + p2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wantItems, got); diff != "" {
				t.Errorf("Parse() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// variantLine is a JSONL product "p" holding one variant with the given
// fields after its id and title.
func variantLine(id, fields string) string {
	return `{"id":"p","title":"P","variants":[{"id":"` + id + `","title":"V"` + fields + `}]}`
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	const price = `,"price":{"amount":100,"currency":"USD"}`
	tests := []struct {
		name, in, want string
	}{
		{
			name: "amount is a string",
			in: variantLine("v0", price) + "\n\n" +
				`{"id":"p1","variants":[{"id":"v2","title":"V","price":{"amount":"139.00","currency":"USD"}}]}`,
			want: `catalog: line 3: product "p1" variant "v2": price.amount: must be an integer ≥ 0, got string`,
		},
		{
			name: "amount has a fraction",
			in:   variantLine("v", `,"price":{"amount":139.5,"currency":"USD"}`),
			want: `catalog: line 1: product "p" variant "v": price.amount: must be an integer ≥ 0, got number 139.5`,
		},
		{
			name: "amount is negative",
			in:   variantLine("v", `,"price":{"amount":-1,"currency":"USD"}`),
			want: `catalog: line 1: product "p" variant "v": price.amount: must be an integer ≥ 0, got -1`,
		},
		{
			name: "price missing",
			in:   variantLine("v", ``),
			want: `catalog: line 1: product "p" variant "v": price: required`,
		},
		{
			name: "amount missing",
			in:   variantLine("v", `,"price":{"currency":"USD"}`),
			want: `catalog: line 1: product "p" variant "v": price.amount: required`,
		},
		{
			name: "currency missing",
			in:   variantLine("v", `,"price":{"amount":1}`),
			want: `catalog: line 1: product "p" variant "v": price.currency: required`,
		},
		{
			name: "currency unknown",
			in:   variantLine("v", `,"price":{"amount":1,"currency":"XYZ"}`),
			want: `catalog: line 1: product "p" variant "v": price.currency: unknown currency "XYZ"`,
		},
		{
			name: "stock negative",
			in:   variantLine("v", price+`,"agentshop:stock":-3`),
			want: `catalog: line 1: product "p" variant "v": agentshop:stock: must be an integer ≥ 0, got -3`,
		},
		{
			name: "stock is a string",
			in:   variantLine("v", price+`,"agentshop:stock":"12"`),
			want: `catalog: line 1: product "p" variant "v": agentshop:stock: must be an integer ≥ 0, got string`,
		},
		{
			name: "digital is a string",
			in:   variantLine("v", price+`,"agentshop:digital":"yes"`),
			want: `catalog: line 1: product "p" variant "v": agentshop:digital: must be a boolean, got string`,
		},
		{
			name: "title is a number",
			in:   `{"id":"p","title":7,"variants":[]}`,
			want: `catalog: line 1: product "p": title: must be a string, got number`,
		},
		{
			name: "variants is an object",
			in:   `{"id":"p","variants":{"id":"v"}}`,
			want: `catalog: line 1: product "p": variants: must be an array, got object`,
		},
		{
			name: "media url is a number",
			in:   variantLine("v", price+`,"media":[{"type":"image","url":1}]`),
			want: `catalog: line 1: product "p" variant "v": media.url: must be a string, got number`,
		},
		{
			name: "misspelt extension field",
			in:   variantLine("v", price+`,"agentshop:stok":3`),
			want: `catalog: line 1: product "p" variant "v": unknown field "agentshop:stok"`,
		},
		{
			name: "unknown product field",
			in:   `{"id":"p","name":"P","variants":[]}`,
			want: `catalog: line 1: product "p": unknown field "name"`,
		},
		{
			name: "product is not an object",
			in:   "[\n" + `{"id":"p","variants":[{"id":"v","title":"V"` + price + `}]}` + ",\n42\n]",
			want: `catalog: line 3: must be an object, got number`,
		},
		{
			name: "product id missing",
			in:   `{"title":"P","variants":[{"id":"v","title":"V"` + price + `}]}`,
			want: `catalog: line 1: id: required`,
		},
		{
			name: "no variants",
			in:   `{"id":"p","variants":[]}`,
			want: `catalog: line 1: product "p": variants: at least one variant required`,
		},
		{
			name: "variant id missing",
			in:   `{"id":"p","variants":[{"id":"v","title":"V"` + price + `},{"title":"W"` + price + `}]}`,
			want: `catalog: line 1: product "p" variant #2: id: required`,
		},
		{
			name: "variant title missing",
			in:   `{"id":"p","variants":[{"id":"v"` + price + `}]}`,
			want: `catalog: line 1: product "p" variant "v": title: required`,
		},
		{
			name: "duplicate variant id across products",
			in:   variantLine("v", price) + "\n" + strings.Replace(variantLine("v", price), `"id":"p"`, `"id":"q"`, 1),
			want: `catalog: line 2: product "q" variant "v": id: duplicate of the variant on line 1`,
		},
		{
			name: "duplicate variant id in the array layout",
			in: "[\n" + `{"id":"p","variants":[` + "\n" + `{"id":"v","title":"V"` + price + `},` + "\n" +
				`{"id":"v","title":"W"` + price + `}]}]`,
			want: `catalog: line 4: product "p" variant "v": id: duplicate of the variant on line 3`,
		},
		{
			name: "duplicate product id",
			in:   variantLine("v", price) + "\n" + variantLine("w", price),
			want: `catalog: line 2: product "p": id: duplicate of the product on line 1`,
		},
		{
			name: "syntax error",
			in:   variantLine("v", price) + "\n" + `{"id":"q",` + "\n",
			want: `catalog: line 3: invalid JSON: unexpected EOF`,
		},
		{
			name: "missing comma in array",
			in:   "[\n" + variantLine("v", price) + "\n" + variantLine("w", price) + "]",
			want: `catalog: line 3: invalid JSON: expected comma after array element`,
		},
		{
			name: "syntax error in array",
			in:   "[\n" + variantLine("v", price) + ",\n" + `{"id" "q"}]`,
			want: `catalog: line 3: invalid JSON: invalid character '"' after object key`,
		},
		{
			name: "trailing data after array",
			in:   "[" + variantLine("v", price) + "]\n{}",
			want: `catalog: line 2: unexpected data after the product array`,
		},
		{
			name: "envelope with another field",
			in:   `{"products":[` + variantLine("v", price) + `],` + "\n" + `"next":"x"}`,
			want: `catalog: line 2: unknown field "next"`,
		},
		{
			name: "not a product list",
			in:   "\n  42",
			want: `catalog: line 2: expected a JSON array of products, a {"products": [...]} object or one product object per line`,
		},
		{
			name: "empty file",
			in:   " \n\n",
			want: `catalog: no products`,
		},
		{
			name: "empty array",
			in:   "[]",
			want: `catalog: no products`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			items, err := Parse(strings.NewReader(tt.in))
			if err == nil {
				t.Fatalf("Parse() = %d items, want error %q", len(items), tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("Parse() error\n got: %s\nwant: %s", err, tt.want)
			}
		})
	}
}

func TestParseCurrencyCase(t *testing.T) {
	t.Parallel()
	for _, cur := range []string{"USD", "usd", "Usd", " EUR "} {
		t.Run(cur, func(t *testing.T) {
			t.Parallel()
			items, err := Parse(strings.NewReader(variantLine("v", `,"price":{"amount":1,"currency":"`+cur+`"}`)))
			if err != nil {
				t.Fatal(err)
			}
			if want := commerce.Currency(strings.ToLower(strings.TrimSpace(cur))); items[0].Currency != want {
				t.Errorf("Currency = %q, want %q", items[0].Currency, want)
			}
		})
	}
}

func TestItemTitle(t *testing.T) {
	t.Parallel()
	tests := []struct{ product, variant, want string }{
		{"Racket", "Racket", "Racket"},
		{"Racket", "Blue", "Racket — Blue"},
		{"Racket", "Racket - Blue", "Racket - Blue"},
		{"", "Blue", "Blue"},
		{"Racket", "", "Racket"},
	}
	for _, tt := range tests {
		if got := itemTitle(tt.product, tt.variant); got != tt.want {
			t.Errorf("itemTitle(%q, %q) = %q, want %q", tt.product, tt.variant, got, tt.want)
		}
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	t.Run("OK", func(t *testing.T) {
		t.Parallel()
		c, err := Load(strings.NewReader(p1 + "\n" + p2))
		if err != nil {
			t.Fatal(err)
		}
		if got := len(c.Items()); got != len(wantItems) {
			t.Errorf("len(Items()) = %d, want %d", got, len(wantItems))
		}
		if it, ok := c.Item("v1"); !ok || it.Price != 13900 {
			t.Errorf("Item(v1) = %+v, %v", it, ok)
		}
	})
	t.Run("MixedCurrencies", func(t *testing.T) {
		t.Parallel()
		in := variantLine("v", `,"price":{"amount":1,"currency":"USD"}`) + "\n" +
			`{"id":"q","variants":[{"id":"w","title":"W","price":{"amount":1,"currency":"EUR"}}]}`
		if _, err := Parse(strings.NewReader(in)); err != nil {
			t.Fatalf("Parse() = %v; mixed currencies are NewCatalog's to reject", err)
		}
		_, err := Load(strings.NewReader(in))
		if err == nil || !strings.Contains(err.Error(), "one currency per shop") {
			t.Errorf("Load() error = %v, want one currency per shop", err)
		}
	})
}

func TestLoadFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := filepath.Join(dir, "products.jsonl")
	if err := os.WriteFile(good, []byte(p1+"\n"+p2+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := LoadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Item("v4"); !ok {
		t.Error("Item(v4) not found")
	}

	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte("[\n"+variantLine("v", "")+"]"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = LoadFile(bad)
	if want := `catalog: ` + bad + `: line 2: product "p" variant "v": price: required`; err == nil || err.Error() != want {
		t.Errorf("LoadFile(bad) error\n got: %v\nwant: %s", err, want)
	}

	if _, err := LoadFile(filepath.Join(dir, "missing.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("LoadFile(missing) error = %v", err)
	}
}
