package web_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"agentshop/internal/catalog"
	"agentshop/internal/commerce"
	"agentshop/internal/store/postgres"
	"agentshop/internal/web"
)

// On PostgreSQL, which can hold no U+0000 or invalid UTF-8, a page for
// such an id is the not-found page, not a 500 with an ERROR line.
func TestUnstorableIDIsNotFound(t *testing.T) {
	url := os.Getenv("AGENTSHOP_TEST_POSTGRES_URL")
	if url == "" {
		t.Skip("AGENTSHOP_TEST_POSTGRES_URL not set; e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	}
	ctx := t.Context()
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	schema := "web_" + hex.EncodeToString(rnd[:])
	st, err := postgres.OpenSchema(ctx, url, schema)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		st.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if c, err := pgx.Connect(ctx, url); err == nil {
			_, _ = c.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
			c.Close(ctx)
		}
	})
	logs := &logBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	svc := &commerce.Service{Store: st, Pricer: &commerce.Pricer{Catalog: catalog.Demo()}, Logger: logger}
	mux := http.NewServeMux()
	(&web.Handler{Store: st, Merchant: commerce.Merchant{Name: "Test shop", ID: merchantID}, Logger: logger, Checkout: svc}).Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	for _, path := range []string{"/orders/ord_%00", "/orders/ord_%ff", "/checkout/cs_%00", "/checkout/cs_%ff"} {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, res.StatusCode)
		}
	}
	if strings.Contains(logs.String(), `"level":"ERROR"`) {
		t.Errorf("ERROR logged:\n%s", logs)
	}
}
