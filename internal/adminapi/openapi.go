package adminapi

import (
	_ "embed"
	"net/http"
)

// OpenAPI is the admin API's OpenAPI 3.1 document, served at
// /admin/v1/openapi.json. A test validates every answer the tests get
// against it.
//
//go:embed openapi.json
var OpenAPI []byte

// serveOpenAPI serves [OpenAPI]; it needs no token.
func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(OpenAPI)
}
