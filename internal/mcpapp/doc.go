// Package mcpapp is agentshop's ChatGPT App: an MCP server (official go-sdk,
// streamable HTTP, stateless) that lets a buyer in ChatGPT, or any MCP Apps
// host, find products, see a checkout widget and pay.
//
// cmd/agentshop mounts [Server.Handler] at /mcp. The server offers five
// tools and one resource:
//
//   - search_products: read-only product cards with opaque cursor paging;
//   - show_checkout: creates a checkout session and returns it in the shape
//     window.openai.requestCheckout takes, linked to the checkout widget;
//   - update_checkout: address, shipping option or items → the recomputed
//     session (the widget calls it);
//   - complete_checkout: the tool ChatGPT's payment sheet calls with a
//     payment token; it charges through [commerce.Service.Complete];
//   - get_order: an order's status, page and shipment tracking;
//   - ui://widget/checkout-v1.html: the embedded widget (widget/checkout.html),
//     mime text/html;profile=mcp-app.
//
// Every link between tools and the widget is emitted in both dialects: the
// MCP Apps standard keys (_meta.ui.resourceUri, ui.csp, ui.domain) and their
// ChatGPT aliases (openai/outputTemplate, openai/widgetCSP,
// openai/widgetDomain), on the resources/list entry and on the
// resources/read result, because hosts differ in which they read.
//
// Sessions are rendered with the ACP 2025-09-29 codec (the shape Instant
// Checkout takes), with payment_provider (the default payment handler of
// the session's mode), payment_mode, line item names, descriptions and
// images, a support_url link, metadata.merchant_order_reference and
// continue_url (the hosted checkout page) added. complete_checkout pays
// through the handler its payment_data names (provider or handler_id);
// one the session does not offer gets the session back with an invalid
// message and charges nothing. Fields the host adds to the call
// (conversation_id, connector_id, …) are accepted and ignored. Totals always come from the
// server; amounts sent by a client are never read.
//
// Business outcomes are not tool errors: a declined card or a 3-D Secure
// challenge returns the session, not completed, with an error message whose
// code is payment_declined or requires_3ds, as the Apps SDK asks. Tool errors
// (isError) are for malformed input, unknown ids and sessions that can no
// longer change.
//
// The package imports commerce, the 2025-09-29 codec and the go-sdk; it holds
// no SQL and calls no payment provider directly.
package mcpapp
