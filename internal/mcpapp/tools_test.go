package mcpapp_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"agentshop/internal/mcpapp"
)

func TestListTools(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := b.session.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	tools := map[string]*mcp.Tool{}
	var names []string
	for _, tl := range res.Tools {
		tools[tl.Name] = tl
		names = append(names, tl.Name)
	}
	want := []string{"complete_checkout", "get_order", "search_products", "show_checkout", "update_checkout"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Fatalf("tools (-want +got):\n%s", diff)
	}

	type hints struct{ readOnly, destructive, openWorld, idempotent bool }
	wantHints := map[string]hints{
		"search_products":   {readOnly: true, idempotent: true},
		"show_checkout":     {},
		"update_checkout":   {idempotent: true},
		"complete_checkout": {openWorld: true, idempotent: true},
		"get_order":         {readOnly: true, idempotent: true},
	}
	for name, tl := range tools {
		a := tl.Annotations
		if a == nil || a.DestructiveHint == nil || a.OpenWorldHint == nil {
			t.Errorf("%s: annotations %+v: every hint must be explicit", name, a)
			continue
		}
		got := hints{a.ReadOnlyHint, *a.DestructiveHint, *a.OpenWorldHint, a.IdempotentHint}
		if got != wantHints[name] {
			t.Errorf("%s: hints %+v, want %+v", name, got, wantHints[name])
		}
		if len(tl.Description) < 80 {
			t.Errorf("%s: description too thin for a model: %q", name, tl.Description)
		}
		if tl.Meta["openai/toolInvocation/invoking"] == nil || tl.Meta["openai/toolInvocation/invoked"] == nil {
			t.Errorf("%s: no invoking/invoked texts in _meta %v", name, tl.Meta)
		}
		for _, k := range []string{"openai/toolInvocation/invoking", "openai/toolInvocation/invoked"} {
			if s, _ := tl.Meta[k].(string); len(s) > 64 {
				t.Errorf("%s: %s longer than 64 characters", name, k)
			}
		}
		schema, _ := tl.InputSchema.(map[string]any)
		if schema["type"] != "object" {
			t.Errorf("%s: input schema %v is not an object schema", name, tl.InputSchema)
		}
	}

	// The widget link, in both dialects.
	sc := tools["show_checkout"].Meta
	ui, _ := sc["ui"].(map[string]any)
	if ui["resourceUri"] != mcpapp.WidgetURI || sc["openai/outputTemplate"] != mcpapp.WidgetURI {
		t.Errorf("show_checkout _meta does not link the widget in both dialects: %v", sc)
	}
	for _, name := range []string{"show_checkout", "update_checkout", "complete_checkout"} {
		m := tools[name].Meta
		ui, _ := m["ui"].(map[string]any)
		if m["openai/widgetAccessible"] != true || !cmp.Equal(ui["visibility"], []any{"model", "app"}) {
			t.Errorf("%s is not widget-callable in both dialects: %v", name, m)
		}
	}
	for _, name := range []string{"search_products", "get_order"} {
		if _, ok := tools[name].Meta["openai/outputTemplate"]; ok {
			t.Errorf("%s renders the checkout widget; it should not", name)
		}
	}

	// Schemas: complete_checkout's is hand-written and permissive; the
	// inferred ones name their required fields.
	cs := tools["complete_checkout"].InputSchema.(map[string]any)
	if cs["additionalProperties"] != true {
		t.Errorf("complete_checkout input schema must allow extra fields: %v", cs)
	}
	pd := cs["properties"].(map[string]any)["payment_data"].(map[string]any)
	if pd["additionalProperties"] != true {
		t.Errorf("complete_checkout payment_data must allow extra fields: %v", pd)
	}
	if diff := cmp.Diff([]any{"checkout_session_id", "payment_data"}, cs["required"]); diff != "" {
		t.Errorf("complete_checkout required (-want +got):\n%s", diff)
	}
	for name, req := range map[string][]any{
		"show_checkout":   {"items"},
		"update_checkout": {"checkout_session_id"},
		"get_order":       {"order_id"},
	} {
		s := tools[name].InputSchema.(map[string]any)
		if diff := cmp.Diff(req, s["required"]); diff != "" {
			t.Errorf("%s required (-want +got):\n%s", name, diff)
		}
	}
	for _, name := range want {
		if tools[name].OutputSchema == nil {
			t.Errorf("%s has no output schema", name)
		}
	}
}

func TestSearchProducts(t *testing.T) {
	t.Parallel()
	b := setup(t)
	type card struct {
		ID    string `json:"id"`
		Title string `json:"title"`
		Price struct {
			Amount    int64  `json:"amount"`
			Currency  string `json:"currency"`
			Formatted string `json:"formatted"`
		} `json:"price"`
		Availability string `json:"availability"`
		ImageURL     string `json:"image_url"`
	}
	type result struct {
		Products   []card `json:"products"`
		Total      int    `json:"total"`
		NextCursor string `json:"next_cursor"`
	}
	search := func(args map[string]any) result {
		res := b.call(t, "search_products", args)
		if res.IsError {
			t.Fatalf("search %v: %s", args, text(res))
		}
		var r result
		decode(t, res.StructuredContent, &r)
		return r
	}

	r := search(map[string]any{"query": "starvie metheora"})
	if len(r.Products) == 0 || r.Products[0].ID != racket {
		t.Fatalf("search for the racket: %+v", r)
	}
	p := r.Products[0]
	if p.Price.Amount <= 0 || p.Price.Currency != "USD" || !strings.HasPrefix(p.Price.Formatted, "$") ||
		p.Availability != "in_stock" || !strings.HasPrefix(p.ImageURL, "https://") || p.Title == "" {
		t.Errorf("product card %+v", p)
	}

	// Paging: two at a time through everything, no repeats, then the end.
	all := search(map[string]any{})
	seen := map[string]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > all.Total {
			t.Fatal("paging does not end")
		}
		args := map[string]any{"limit": 2}
		if cursor != "" {
			args["cursor"] = cursor
		}
		r := search(args)
		for _, p := range r.Products {
			if seen[p.ID] {
				t.Fatalf("%s on two pages", p.ID)
			}
			seen[p.ID] = true
		}
		if r.NextCursor == "" {
			break
		}
		cursor = r.NextCursor
	}
	if len(seen) != all.Total || all.Total < 10 {
		t.Errorf("paged through %d products, total %d", len(seen), all.Total)
	}
	if got := len(search(map[string]any{"limit": 1000}).Products); got != min(25, all.Total) {
		t.Errorf("limit 1000 returned %d products, want min(cap 25, total %d)", got, all.Total)
	}
	if got := len(all.Products); got != min(8, all.Total) {
		t.Errorf("default page has %d products, want 8", got)
	}
	if r := search(map[string]any{"query": "no such thing zzz"}); len(r.Products) != 0 || r.Products == nil {
		t.Errorf("empty search: %+v (products must be [], not null)", r)
	}
	if res := b.call(t, "search_products", map[string]any{"cursor": "garbage!"}); !res.IsError {
		t.Error("a made-up cursor is accepted")
	}
	if res := b.call(t, "search_products", map[string]any{"query": "x", "surprise": 1}); !res.IsError {
		t.Error("search_products accepts unknown arguments; its inferred schema should reject them")
	}
}

func TestGetOrderErrors(t *testing.T) {
	t.Parallel()
	b := setup(t)
	res := b.call(t, "get_order", map[string]any{"order_id": "ord_nope"})
	if !res.IsError || !strings.Contains(text(res), "ord_nope") {
		t.Errorf("unknown order: isError %v, %q", res.IsError, text(res))
	}
	if res := b.call(t, "get_order", map[string]any{"order_id": ""}); !res.IsError {
		t.Error("empty order id accepted")
	}
}

func TestResources(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	list, err := b.session.ListResources(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Resources) != 1 {
		t.Fatalf("resources: %+v", list.Resources)
	}
	r := list.Resources[0]
	if r.URI != mcpapp.WidgetURI || r.MIMEType != "text/html;profile=mcp-app" || r.Description == "" || r.Name == "" {
		t.Errorf("resource entry %+v", r)
	}
	checkWidgetMeta(t, "resources/list", r.Meta)

	read, err := b.session.ReadResource(ctx, &mcp.ReadResourceParams{URI: mcpapp.WidgetURI})
	if err != nil {
		t.Fatal(err)
	}
	if len(read.Contents) != 1 {
		t.Fatalf("contents: %+v", read.Contents)
	}
	c := read.Contents[0]
	if c.URI != mcpapp.WidgetURI || c.MIMEType != "text/html;profile=mcp-app" || !strings.Contains(strings.ToLower(c.Text), "<html") {
		t.Errorf("contents %s %s %.80q", c.URI, c.MIMEType, c.Text)
	}
	checkWidgetMeta(t, "resources/read", c.Meta)

	if _, err := b.session.ReadResource(ctx, &mcp.ReadResourceParams{URI: "ui://widget/nope.html"}); err == nil {
		t.Error("reading an unknown resource succeeded")
	}
}

// checkWidgetMeta checks the resource _meta in both dialects.
func checkWidgetMeta(t *testing.T, where string, m mcp.Meta) {
	t.Helper()
	var got struct {
		UI struct {
			CSP struct {
				ConnectDomains  []string `json:"connectDomains"`
				ResourceDomains []string `json:"resourceDomains"`
			} `json:"csp"`
			Domain        string `json:"domain"`
			PrefersBorder bool   `json:"prefersBorder"`
		} `json:"ui"`
		CSP struct {
			ConnectDomains  []string `json:"connect_domains"`
			ResourceDomains []string `json:"resource_domains"`
			RedirectDomains []string `json:"redirect_domains"`
		} `json:"openai/widgetCSP"`
		Domain        string `json:"openai/widgetDomain"`
		PrefersBorder bool   `json:"openai/widgetPrefersBorder"`
		Description   string `json:"openai/widgetDescription"`
	}
	raw, _ := json.Marshal(m)
	decode(t, m, &got)
	images := []string{"https://images.agentshop.example"}
	if got.UI.CSP.ConnectDomains == nil || got.CSP.ConnectDomains == nil {
		t.Errorf("%s: connect domains must be [] rather than absent: %s", where, raw)
	}
	if !cmp.Equal(got.UI.CSP.ResourceDomains, images) || !cmp.Equal(got.CSP.ResourceDomains, images) {
		t.Errorf("%s: resource domains: %s", where, raw)
	}
	if !cmp.Equal(got.CSP.RedirectDomains, []string{baseURL}) {
		t.Errorf("%s: redirect domains: %s", where, raw)
	}
	if got.UI.Domain != baseURL || got.Domain != baseURL {
		t.Errorf("%s: domain: %s", where, raw)
	}
	if !got.UI.PrefersBorder || !got.PrefersBorder || got.Description == "" {
		t.Errorf("%s: prefersBorder/description: %s", where, raw)
	}
}
