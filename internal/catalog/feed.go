package catalog

import (
	"cmp"
	"encoding/json"
	"html"
	"regexp"
	"strings"
)

// The wire structs below mirror schema.feed.json (2026-04-17). Fields
// agentshop does not use are kept as json.RawMessage so that strict decoding
// accepts every schema-valid file.

// product is the feed's Product.
type product struct {
	ID          string            `json:"id"`
	Title       string            `json:"title"`
	Description *description      `json:"description"`
	URL         string            `json:"url"`
	Media       []media           `json:"media"`
	Variants    []json.RawMessage `json:"variants"`

	Brand string `json:"agentshop:brand"`
}

// variant is the feed's Variant.
type variant struct {
	ID             string          `json:"id"`
	Title          string          `json:"title"`
	Description    *description    `json:"description"`
	URL            string          `json:"url"`
	Barcodes       json.RawMessage `json:"barcodes"`
	Price          *price          `json:"price"`
	ListPrice      json.RawMessage `json:"list_price"`
	UnitPrice      json.RawMessage `json:"unit_price"`
	Availability   *availability   `json:"availability"`
	Categories     []category      `json:"categories"`
	Condition      []string        `json:"condition"`
	VariantOptions []option        `json:"variant_options"`
	Media          []media         `json:"media"`
	Seller         *seller         `json:"seller"`
	Marketplace    json.RawMessage `json:"marketplace"`

	Stock   *int64 `json:"agentshop:stock"`
	Digital *bool  `json:"agentshop:digital"`
}

type description struct {
	Plain    string `json:"plain"`
	HTML     string `json:"html"`
	Markdown string `json:"markdown"`
}

type price struct {
	Amount   *int64  `json:"amount"`
	Currency *string `json:"currency"`
}

type availability struct {
	Available *bool  `json:"available"`
	Status    string `json:"status"`
}

type category struct {
	Value    string `json:"value"`
	Taxonomy string `json:"taxonomy"`
}

type option struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type media struct {
	Type    string `json:"type"`
	URL     string `json:"url"`
	AltText string `json:"alt_text"`
	Width   *int64 `json:"width"`
	Height  *int64 `json:"height"`
}

type seller struct {
	Name  string          `json:"name"`
	Links json.RawMessage `json:"links"`
}

// DefaultStock is the initial stock of an available variant that has no
// "agentshop:stock" field, such as one from a feed exported elsewhere.
const DefaultStock = 100

// stock returns the variant's initial stock (see the package doc).
func (v *variant) stock() int64 {
	if v.Stock != nil {
		return *v.Stock
	}
	if a := v.Availability; a != nil {
		if a.Available != nil && !*a.Available {
			return 0
		}
		switch a.Status {
		case "out_of_stock", "discontinued":
			return 0
		}
	}
	return DefaultStock
}

// itemTitle joins the product and variant titles for people.
func itemTitle(product, variant string) string {
	switch {
	case product == "":
		return variant
	case variant == "" || strings.HasPrefix(variant, product):
		return cmp.Or(variant, product)
	default:
		return product + " — " + variant
	}
}

// text returns the description as plain text, or "" for nil.
func (d *description) text() string {
	switch {
	case d == nil:
		return ""
	case strings.TrimSpace(d.Plain) != "":
		return strings.TrimSpace(d.Plain)
	case strings.TrimSpace(d.Markdown) != "":
		return stripMarkdown(d.Markdown)
	default:
		return stripHTML(d.HTML)
	}
}

var (
	htmlTag    = regexp.MustCompile(`<[^>]*>`)
	mdImage    = regexp.MustCompile(`!\[([^\]]*)\]\([^)]*\)`)
	mdLink     = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
	mdLineMark = regexp.MustCompile(`(?m)^\s*(#{1,6}|[-*+>]|\d+\.)\s+`)
	mdEmphasis = strings.NewReplacer("**", "", "__", "", "`", "")
)

// stripHTML drops tags and entities; good enough for a listing description,
// which is all agentshop shows.
func stripHTML(s string) string {
	return collapseSpace(html.UnescapeString(htmlTag.ReplaceAllString(s, " ")))
}

// stripMarkdown drops the common inline and line markup, keeping link text.
func stripMarkdown(s string) string {
	s = mdImage.ReplaceAllString(s, "$1")
	s = mdLink.ReplaceAllString(s, "$1")
	s = mdLineMark.ReplaceAllString(s, "")
	return collapseSpace(mdEmphasis.Replace(s))
}

func collapseSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

// firstImage returns the URL of the first media of type image.
func firstImage(ms []media) string {
	for _, m := range ms {
		if strings.EqualFold(m.Type, "image") && m.URL != "" {
			return m.URL
		}
	}
	return ""
}
