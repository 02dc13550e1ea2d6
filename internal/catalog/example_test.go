package catalog_test

import (
	"fmt"
	"strings"

	"agentshop/internal/catalog"
)

func ExampleParse() {
	const jsonl = `{"id":"prod_tee","title":"Classic Tee","agentshop:brand":"Acme","variants":[` +
		`{"id":"tee-red-s","title":"Red / Small","price":{"amount":1999,"currency":"USD"},"agentshop:stock":12},` +
		`{"id":"tee-red-m","title":"Red / Medium","price":{"amount":1999,"currency":"USD"},"availability":{"status":"out_of_stock"}}]}

{"id":"prod_card","title":"Gift Card","variants":[{"id":"card-25","title":"$25","price":{"amount":2500,"currency":"USD"},"agentshop:digital":true}]}
`
	items, err := catalog.Parse(strings.NewReader(jsonl))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, it := range items {
		fmt.Printf("%s %q %s stock=%d digital=%v\n", it.ID, it.Title, it.Currency.Format(it.Price), it.Stock, it.Digital)
	}

	_, err = catalog.Parse(strings.NewReader(`{"id":"p1","variants":[{"id":"v2","title":"V","price":{"amount":"19.99","currency":"USD"}}]}`))
	fmt.Println(err)
	// Output:
	// tee-red-s "Classic Tee — Red / Small" $19.99 stock=12 digital=false
	// tee-red-m "Classic Tee — Red / Medium" $19.99 stock=0 digital=false
	// card-25 "Gift Card — $25" $25.00 stock=100 digital=true
	// catalog: line 1: product "p1" variant "v2": price.amount: must be an integer ≥ 0, got string
}
