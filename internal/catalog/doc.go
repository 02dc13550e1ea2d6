// Package catalog reads agentshop's product catalog from a file in the ACP
// product feed shape (API version 2026-04-17, schema.feed.json `Product` and
// `Variant`) and turns it into a [commerce.Catalog]. It also embeds the demo
// padel and tennis shop returned by [Demo].
//
// cmd/agentshop calls [LoadFile] (or [Demo] when no file is configured); tests
// call [Parse] and [Demo]. The package imports only commerce and the
// standard library: no HTTP, SQL or ACP wire codecs.
//
// # Layouts
//
// [Parse] accepts three layouts of the same Product objects:
//
//   - a JSON array of Products: [{"id": …, "variants": […]}, …];
//   - a JSON object {"products": […]}, the body of GET /feeds/{id}/products;
//   - JSONL, one Product per line, as in the feed file products.jsonl.
//     Blank lines are ignored.
//
// # Mapping
//
// Every Variant becomes one [commerce.Item]; the variant id is the item id
// agents send at checkout, as the feed spec recommends. Product fields are
// the fallback for variant fields:
//
//   - Title: the product title, then " — " and the variant title, unless they
//     are equal or the variant title already starts with the product title.
//   - Description: description.plain, else markdown or html with the markup
//     stripped (variant description first, then product).
//   - URL, ImageURL: variant url and first media of type "image", else the
//     product's.
//   - Price, Currency: price.amount (integer minor units, required) and
//     price.currency (ISO 4217 in any case; the schema wants upper case, the
//     commerce core uses lower case).
//   - Category: the first categories[].value. Options: variant_options.
//
// # Extension fields
//
// The ACP feed carries no stock count, no digital flag and no brand, so
// agentshop reads three extension fields, namespaced with "agentshop:":
//
//	Variant "agentshop:stock"    integer ≥ 0  initial stock (Item.Stock)
//	Variant "agentshop:digital"  boolean      delivered electronically (Item.Digital)
//	Product "agentshop:brand"    string       brand (Item.Brand)
//
// Product and Variant are "additionalProperties": false in schema.feed.json,
// and the schema has no free-form metadata object on either, so no placement
// keeps these fields schema-valid. They sit directly on the object they
// describe: remove every "agentshop:" key and a catalog file is a valid ACP
// feed (the package tests check this for the demo catalog). Anything that
// publishes a feed to an agent must not copy them.
//
// Without "agentshop:stock", a variant whose availability says
// "available": false or status "out_of_stock" or "discontinued" gets stock
// 0, and any other variant gets [DefaultStock]. An explicit stock wins over
// availability. Without "agentshop:brand" the brand is the variant's
// seller.name.
//
// # Errors
//
// Parsing is strict: unknown fields are rejected (the schema forbids them and
// a misspelt "agentshop:stok" would otherwise go unnoticed), and errors name
// the line, product, variant and field:
//
//	catalog: line 3: product "p1" variant "v2": price.amount: must be an integer ≥ 0, got string
package catalog
