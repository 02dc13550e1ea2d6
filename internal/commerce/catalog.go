package commerce

import (
	"fmt"
	"strings"
)

// Item is one sellable unit of the catalog: a product variant. Its ID is the
// item id agents send in checkout requests (ACP Item.id; the feed's
// Variant.id).
type Item struct {
	ID          string
	ProductID   string
	Title       string // product title plus variant options, for people
	Description string
	URL         string
	ImageURL    string
	Price       int64 // unit price in minor units
	Currency    Currency
	// Stock is the initial stock count loaded into the store when the item
	// is first seen; the store holds the live count.
	Stock    int64
	Digital  bool // delivered electronically: no address, digital fulfillment
	Category string
	Brand    string
	Options  []ItemOption
}

// ItemOption is a variant option such as {Size, M}.
type ItemOption struct{ Name, Value string }

// Catalog is an immutable, in-memory set of items. Prices come only from
// here: amounts in requests are never trusted.
type Catalog struct {
	items map[string]*Item
	order []string
}

// NewCatalog returns a catalog of items. It returns an error if an id is
// empty or repeated, a price is negative, or the items mix currencies.
func NewCatalog(items []Item) (*Catalog, error) {
	c := &Catalog{items: make(map[string]*Item, len(items))}
	var cur Currency
	for i := range items {
		it := items[i]
		if it.ID == "" {
			return nil, fmt.Errorf("catalog: item %d has no id", i)
		}
		if _, dup := c.items[it.ID]; dup {
			return nil, fmt.Errorf("catalog: duplicate item id %q", it.ID)
		}
		if it.Price < 0 {
			return nil, fmt.Errorf("catalog: item %q has a negative price", it.ID)
		}
		if cur == "" {
			cur = it.Currency
		} else if it.Currency != cur {
			return nil, fmt.Errorf("catalog: item %q is priced in %s, others in %s; one currency per shop", it.ID, it.Currency, cur)
		}
		c.items[it.ID] = &it
		c.order = append(c.order, it.ID)
	}
	return c, nil
}

// Item returns the item with id, and whether it exists.
func (c *Catalog) Item(id string) (*Item, bool) {
	it, ok := c.items[id]
	return it, ok
}

// Items returns every item in catalog order.
func (c *Catalog) Items() []*Item {
	out := make([]*Item, 0, len(c.order))
	for _, id := range c.order {
		out = append(out, c.items[id])
	}
	return out
}

// Currency returns the shop's currency (usd for an empty catalog).
func (c *Catalog) Currency() Currency {
	if len(c.order) == 0 {
		return "usd"
	}
	return c.items[c.order[0]].Currency
}

// Search returns items whose title, description, brand, category or id
// contain every word of query (case-insensitive), in catalog order.
func (c *Catalog) Search(query string) []*Item {
	words := strings.Fields(strings.ToLower(query))
	var out []*Item
	for _, id := range c.order {
		it := c.items[id]
		hay := strings.ToLower(strings.Join([]string{it.ID, it.Title, it.Description, it.Brand, it.Category}, " "))
		ok := true
		for _, w := range words {
			if !strings.Contains(hay, w) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, it)
		}
	}
	return out
}

// InitialStock returns the configured stock of every item, for seeding a
// store on first start.
func (c *Catalog) InitialStock() map[string]int64 {
	m := make(map[string]int64, len(c.order))
	for _, id := range c.order {
		m[id] = c.items[id].Stock
	}
	return m
}
