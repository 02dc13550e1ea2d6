package acp

import (
	"encoding/json"
	"net/http"
	"slices"
)

// discovery serves /.well-known/acp.json (ACP 2026-04-17 DiscoveryResponse):
// unauthenticated and cacheable.
func (h *Handler) discovery(w http.ResponseWriter, r *http.Request, _ *call) error {
	versions := h.versions()
	slices.Reverse(versions) // the document lists them oldest first
	services := []string{"checkout"}
	if h.cfg.Delegate != nil {
		services = append(services, "delegate_payment")
	}
	doc := map[string]any{
		"protocol": map[string]any{
			"name":               "acp",
			"version":            versions[len(versions)-1],
			"supported_versions": versions,
		},
		"api_base_url": h.cfg.Merchant.BaseURL,
		"transports":   []string{"rest"},
		"capabilities": map[string]any{
			"services":             services,
			"extensions":           []map[string]string{{"name": "discount"}},
			"intervention_types":   nonNil(h.cfg.Merchant.Interventions),
			"supported_currencies": []string{string(h.cfg.Service.Pricer.Catalog.Currency())},
		},
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	writeJSON(w, http.StatusOK, b)
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
