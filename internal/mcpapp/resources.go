package mcpapp

import (
	"context"
	_ "embed"
	"net/url"
	"slices"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The checkout widget: one self-contained HTML file, no build step.
//
//go:embed widget/checkout.html
var widgetHTML string

const (
	// WidgetURI is the checkout widget's resource URI. The version in the
	// name is a cache key: hosts cache widget HTML, so a change that needs
	// new tool output shapes gets a new URI.
	WidgetURI = "ui://widget/checkout-v1.html"
	// widgetMIME is the MCP Apps HTML mime type, which ChatGPT also accepts.
	widgetMIME = "text/html;profile=mcp-app"
	// uiExtension is the MCP Apps extension id advertised in capabilities.
	uiExtension = "io.modelcontextprotocol/ui"
)

// addWidget registers the widget resource.
func (s *Server) addWidget() {
	meta := s.widgetMeta()
	s.mcp.AddResource(&mcp.Resource{
		URI:         WidgetURI,
		Name:        "checkout-widget",
		Title:       "Checkout",
		Description: "Checkout widget: items, quantities, shipping address, shipping options, totals and payment for a checkout session.",
		MIMEType:    widgetMIME,
		Meta:        meta,
	}, func(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
		return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{
			URI:      WidgetURI,
			MIMEType: widgetMIME,
			Text:     widgetHTML,
			Meta:     meta,
		}}}, nil
	})
}

// widgetMeta is the resource _meta in both dialects: MCP Apps' ui.* and
// ChatGPT's openai/* aliases. It goes on the resources/list entry and on
// the resources/read contents, because some hosts read only one of them.
//
// The widget talks to the server only through the host bridge
// (tools/call), so it needs no connect domains; it loads product images
// from the catalog's image origins, and opens the hosted checkout page on
// the merchant's origin.
func (s *Server) widgetMeta() mcp.Meta {
	connect := []string{}
	resources := s.imageOrigins()
	redirect := []string{}
	if o := origin(s.cfg.Merchant.BaseURL); o != "" {
		redirect = append(redirect, o)
	}
	return mcp.Meta{
		"ui": map[string]any{
			"csp": map[string]any{
				"connectDomains":  connect,
				"resourceDomains": resources,
			},
			"domain":        s.cfg.WidgetDomain,
			"prefersBorder": true,
		},
		"openai/widgetCSP": map[string]any{
			"connect_domains":  connect,
			"resource_domains": resources,
			"redirect_domains": redirect,
		},
		"openai/widgetDomain":        s.cfg.WidgetDomain,
		"openai/widgetPrefersBorder": true,
		"openai/widgetDescription":   "Shows the buyer's checkout: items, shipping address, shipping options and totals, with a Buy button. The buyer acts in the widget; do not repeat its contents.",
	}
}

// imageOrigins returns the distinct origins of the catalog's product
// images, sorted.
func (s *Server) imageOrigins() []string {
	out := []string{}
	for _, it := range s.cfg.Catalog.Items() {
		if o := origin(it.ImageURL); o != "" && !slices.Contains(out, o) {
			out = append(out, o)
		}
	}
	slices.Sort(out)
	return out
}

// origin returns scheme://host of an absolute http(s) URL, or "".
func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// invocationMeta is a tool's _meta with ChatGPT's status texts (at most
// 64 characters each) shown while the tool runs and after.
func invocationMeta(invoking, invoked string) mcp.Meta {
	return mcp.Meta{
		"openai/toolInvocation/invoking": invoking,
		"openai/toolInvocation/invoked":  invoked,
	}
}

// widgetCallableMeta marks a tool callable from the widget in both
// dialects: MCP Apps ui.visibility (model and app) and ChatGPT's
// openai/widgetAccessible.
func widgetCallableMeta(invoking, invoked string) mcp.Meta {
	m := invocationMeta(invoking, invoked)
	m["ui"] = map[string]any{"visibility": []string{"model", "app"}}
	m["openai/widgetAccessible"] = true
	return m
}

// widgetToolMeta links a tool's result to the checkout widget in both
// dialects (ui.resourceUri and openai/outputTemplate) and makes it
// widget-callable.
func widgetToolMeta(invoking, invoked string) mcp.Meta {
	m := widgetCallableMeta(invoking, invoked)
	m["ui"] = map[string]any{"resourceUri": WidgetURI, "visibility": []string{"model", "app"}}
	m["openai/outputTemplate"] = WidgetURI
	return m
}
