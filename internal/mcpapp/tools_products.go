package mcpapp

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"agentshop/internal/commerce"
)

const (
	defaultSearchLimit = 8
	maxSearchLimit     = 25
)

// searchArgs are search_products' arguments.
type searchArgs struct {
	Query  string `json:"query,omitempty" jsonschema:"Words to look for in product titles, descriptions, brands and categories, e.g. 'padel racket' or 'tennis balls'. Empty lists everything."`
	Limit  int    `json:"limit,omitempty" jsonschema:"How many products to return, 1 to 25 (default 8)."`
	Cursor string `json:"cursor,omitempty" jsonschema:"The next_cursor of a previous search with the same query, to get the next page."`
}

// searchResult is search_products' structuredContent.
type searchResult struct {
	Products []productCard `json:"products" jsonschema:"Matching products, best first."`
	Total    int           `json:"total" jsonschema:"How many products match the query in all."`
	// NextCursor is absent on the last page.
	NextCursor string `json:"next_cursor,omitempty" jsonschema:"Pass as cursor to get the next page; absent on the last page."`
}

// productCard is one product, concise enough for the model to read.
type productCard struct {
	ID           string `json:"id" jsonschema:"Item id to pass to show_checkout."`
	Title        string `json:"title"`
	Brand        string `json:"brand,omitempty"`
	Price        price  `json:"price"`
	Availability string `json:"availability" jsonschema:"in_stock, low_stock or out_of_stock."`
	ImageURL     string `json:"image_url,omitempty"`
	URL          string `json:"url,omitempty" jsonschema:"Product page."`
}

// price is an amount in minor units with its display form.
type price struct {
	Amount    int64  `json:"amount" jsonschema:"Integer minor units, e.g. cents."`
	Currency  string `json:"currency" jsonschema:"ISO 4217 code, upper case."`
	Formatted string `json:"formatted" jsonschema:"For people, e.g. $139.00."`
}

func newPrice(amount int64, c commerce.Currency) price {
	return price{Amount: amount, Currency: strings.ToUpper(string(c)), Formatted: c.Format(amount)}
}

func (s *Server) addProductTools() {
	mcp.AddTool(s.mcp, &mcp.Tool{
		Name:  "search_products",
		Title: "Search products",
		Description: "Search the shop's catalog. Returns product cards (id, title, price, availability, image). " +
			"Use it whenever the buyer asks what is for sale, looks for a product or compares items, then offer " +
			"show_checkout with the chosen item ids. Results are paged: pass next_cursor as cursor for more.",
		Annotations: &mcp.ToolAnnotations{Title: "Search products", ReadOnlyHint: true, IdempotentHint: true,
			DestructiveHint: new(false), OpenWorldHint: new(false)},
		Meta: invocationMeta("Searching the catalog…", "Found products"),
	}, s.searchProducts)
}

func (s *Server) searchProducts(ctx context.Context, req *mcp.CallToolRequest, in searchArgs) (*mcp.CallToolResult, searchResult, error) {
	limit := in.Limit
	if limit <= 0 {
		limit = defaultSearchLimit
	}
	limit = min(limit, maxSearchLimit)
	offset, err := decodeCursor(in.Cursor)
	if err != nil {
		return nil, searchResult{}, err
	}
	items := s.cfg.Catalog.Search(in.Query)
	out := searchResult{Products: []productCard{}, Total: len(items)}
	if offset > len(items) {
		offset = len(items)
	}
	page := items[offset:min(offset+limit, len(items))]
	ids := make([]string, len(page))
	for i, it := range page {
		ids[i] = it.ID
	}
	stock, err := s.cfg.Service.Store.StockLevels(ctx, ids)
	if err != nil {
		return nil, searchResult{}, s.toolError(ctx, "search_products", err)
	}
	for _, it := range page {
		out.Products = append(out.Products, productCard{
			ID:           it.ID,
			Title:        it.Title,
			Brand:        it.Brand,
			Price:        newPrice(it.Price, it.Currency),
			Availability: s.availability(stock, it.ID),
			ImageURL:     it.ImageURL,
			URL:          it.URL,
		})
	}
	if end := offset + len(page); end < len(items) {
		out.NextCursor = encodeCursor(end)
	}
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: searchSummary(in.Query, out)}}}, out, nil
}

// availability maps a live stock level onto a word.
func (s *Server) availability(stock map[string]int64, id string) string {
	n, ok := stock[id]
	switch {
	case !ok || n <= 0:
		return "out_of_stock"
	case n <= s.lowStockAt():
		return "low_stock"
	default:
		return "in_stock"
	}
}

func (s *Server) lowStockAt() int64 {
	if p := s.cfg.Service.Pricer; p != nil {
		return p.Config.LowStockAt
	}
	return 0
}

// searchSummary is the text content: one line per product, for hosts that
// show the model only text.
func searchSummary(query string, r searchResult) string {
	var b strings.Builder
	if len(r.Products) == 0 {
		fmt.Fprintf(&b, "No products match %q.", query)
		return b.String()
	}
	fmt.Fprintf(&b, "%d of %d matching products:\n", len(r.Products), r.Total)
	for _, p := range r.Products {
		fmt.Fprintf(&b, "- %s (id %s): %s, %s\n", p.Title, p.ID, p.Price.Formatted, strings.ReplaceAll(p.Availability, "_", " "))
	}
	if r.NextCursor != "" {
		fmt.Fprintf(&b, "More results: call again with cursor %q.", r.NextCursor)
	}
	return strings.TrimRight(b.String(), "\n")
}

// Cursors are opaque to clients: base64url of "o:<offset>". The catalog is
// immutable while the process runs, so an offset is a stable position.
func encodeCursor(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(offset)))
}

func decodeCursor(c string) (int, error) {
	if c == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		if n, ok := strings.CutPrefix(string(b), "o:"); ok {
			if off, err := strconv.Atoi(n); err == nil && off >= 0 {
				return off, nil
			}
		}
	}
	return 0, fmt.Errorf("cursor %q is not a next_cursor this server returned; search again without a cursor", c)
}
