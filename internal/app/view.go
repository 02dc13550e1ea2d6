package app

import (
	"strings"

	"agentshop/internal/commerce"
)

// ItemView is one catalog item; Stock is the initial count (the store
// holds the live one).
type ItemView struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Price    int64  `json:"price"`
	Currency string `json:"currency"`
	Stock    int64  `json:"initial_stock"`
	Digital  bool   `json:"digital"`
}

// NewItemView returns it's view.
func NewItemView(it *commerce.Item) ItemView {
	return ItemView{ID: it.ID, Title: it.Title, Price: it.Price, Currency: strings.ToLower(string(it.Currency)), Stock: it.Stock, Digital: it.Digital}
}
