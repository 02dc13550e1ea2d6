package catalog

import (
	"bytes"
	_ "embed"

	"agentshop/internal/commerce"
)

// demoJSON is the demo shop in the {"products": [...]} layout.
//
//go:embed demo.json
var demoJSON []byte

// Demo returns the demo catalog: a small padel and tennis shop priced in US
// cents, with stock counts, one low-stock item (bullpadel-vertex-04, 3 left),
// one sold-out item (wilson-pro-staff-97-v14-l4) and digital gift cards
// (gift-card-25, gift-card-50, gift-card-100). Its flagship item is
// starvie-metheora-warrior at $139.00.
//
// Each call returns a new catalog. Demo panics if the embedded file is
// broken, which the package tests rule out.
func Demo() *commerce.Catalog {
	c, err := load("demo.json", bytes.NewReader(demoJSON))
	if err != nil {
		panic(err)
	}
	return c
}
