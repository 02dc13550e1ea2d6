package app

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// testConfig is the default configuration on a temporary data directory,
// logging errors only.
func testConfig(t *testing.T) Config {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Addr = "127.0.0.1:0"
	cfg.Data = t.TempDir()
	cfg.LogLevel = "error"
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// newApp builds cfg and closes it when the test ends.
func newApp(t *testing.T, cfg Config, o Options) *App {
	t.Helper()
	if o.Logs == nil {
		o.Logs = io.Discard
	}
	a, err := New(t.Context(), cfg, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := a.Close(); err != nil {
			t.Error(err)
		}
	})
	return a
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		set     func(*Config)
		wantErr string
		check   func(*testing.T, Config)
	}{
		{name: "Defaults", check: func(t *testing.T, c Config) {
			if c.Shop.PublicURL != "http://127.0.0.1:8080" {
				t.Errorf("public url %q", c.Shop.PublicURL)
			}
		}},
		{name: "LogFormatUpperCase", set: func(c *Config) { c.LogFormat, c.LogLevel = "JSON", "WARN" }, check: func(t *testing.T, c Config) {
			if c.LogFormat != "json" || c.LogLevel != "warn" {
				t.Errorf("log %q %q, want json warn", c.LogFormat, c.LogLevel)
			}
		}},
		{name: "LogFormatUnknown", set: func(c *Config) { c.LogFormat = "yaml" }, wantErr: `log format "yaml": want text or json`},
		{name: "LogLevelUnknown", set: func(c *Config) { c.LogLevel = "bogus" }, wantErr: `log level "bogus"`},
		{name: "TLSCertOnly", set: func(c *Config) { c.TLSCert = "cert.pem" }, wantErr: "set both"},
		{name: "TLSKeyOnly", set: func(c *Config) { c.TLSKey = "key.pem" }, wantErr: "set both"},
		{name: "TLSPublicURL", set: func(c *Config) { c.TLSCert, c.TLSKey = "c", "k" }, check: func(t *testing.T, c Config) {
			if c.Shop.PublicURL != "https://127.0.0.1:8080" {
				t.Errorf("public url %q, want https://", c.Shop.PublicURL)
			}
		}},
		{name: "PublicURLTrimmed", set: func(c *Config) { c.Shop.PublicURL = "https://shop.example/" }, check: func(t *testing.T, c Config) {
			if c.Shop.PublicURL != "https://shop.example" {
				t.Errorf("public url %q", c.Shop.PublicURL)
			}
		}},
		{name: "Provider", set: func(c *Config) { c.Shop.PaymentProvider = "paypal" }, wantErr: "unknown payment provider"},
		{name: "WebhookURL", set: func(c *Config) { c.Webhook.URL = "ftp://x" }, wantErr: "want an absolute http(s) URL"},
		{name: "WebhookVersionWithoutURL", set: func(c *Config) { c.Webhook.APIVersion = "2024-01-01" }, wantErr: `webhook api_version "2024-01-01"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := DefaultConfig()
			if tt.set != nil {
				tt.set(&c)
			}
			err := c.Validate()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Validate = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
}

// Load layers the file under the environment.
func TestLoad(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "agentshop.json")
	if err := os.WriteFile(file, []byte(`{"addr": "127.0.0.1:1", "data": "from-file", "shop": {"name": "File shop"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"AGENTSHOP_DATA": "from-env", "AGENTSHOP_STRIPE_SECRET_KEY": "sk_test_x", EnvBehindProxy: "true"}
	c, err := Load(file, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:1" || c.Data != "from-env" || c.Shop.Name != "File shop" || c.Stripe.SecretKey != "sk_test_x" || !c.Shop.BehindProxy {
		t.Errorf("loaded %+v", c)
	}
	if err := os.WriteFile(file, []byte(`{"nmae": "x"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(file, func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), `unknown field "nmae"`) {
		t.Errorf("unknown field: %v", err)
	}
}

// An admin process refuses a data directory or database without the
// agentshop schema, and creates nothing there; serve creates it.
func TestExistingRefusesEmptyDatabase(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		cfg := testConfig(t)
		cfg.Data = filepath.Join(t.TempDir(), "nothing-here")
		_, err := New(t.Context(), cfg, Options{Logs: io.Discard, Existing: true})
		if !errors.Is(err, ErrNoSchema) || !strings.Contains(err.Error(), "nothing-here") {
			t.Fatalf("New(Existing) on an empty directory = %v, want ErrNoSchema naming the path", err)
		}
		if _, err := os.Stat(cfg.Data); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the refused data directory was created: %v", err)
		}
		// Some other SQLite file is no agentshop database either.
		if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(cfg.Data, "agentshop.db"), nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := New(t.Context(), cfg, Options{Logs: io.Discard, Existing: true}); !errors.Is(err, ErrNoSchema) {
			t.Fatalf("New(Existing) on an empty file = %v, want ErrNoSchema", err)
		}
		if err := os.Remove(filepath.Join(cfg.Data, "agentshop.db")); err != nil {
			t.Fatal(err)
		}
		newApp(t, cfg, Options{}).Close()
		newApp(t, cfg, Options{Existing: true})
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		base := os.Getenv("AGENTSHOP_TEST_POSTGRES_URL")
		if base == "" {
			t.Skip("AGENTSHOP_TEST_POSTGRES_URL not set; e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
		}
		cfg := testConfig(t)
		cfg.Database = emptySchema(t, base)
		if _, err := New(t.Context(), cfg, Options{Logs: io.Discard, Existing: true}); !errors.Is(err, ErrNoSchema) {
			t.Fatalf("New(Existing) on an empty schema = %v, want ErrNoSchema", err)
		}
		newApp(t, cfg, Options{}).Close()
		newApp(t, cfg, Options{Existing: true})
	})
}

// emptySchema creates an empty schema on base, dropped when the test ends,
// and returns base with search_path naming it.
func emptySchema(t *testing.T, base string) string {
	t.Helper()
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	schema := pgx.Identifier{"app_" + hex.EncodeToString(rnd[:])}.Sanitize()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Error(err)
		}
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + strings.Trim(schema, `"`)
}

// With a certificate and key, serve answers HTTPS itself; a plain HTTP
// request to the same port gets no page.
func TestTLS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pool := writeCertificate(t, dir)
	cfg := DefaultConfig()
	cfg.Addr = "127.0.0.1:0"
	cfg.Data = t.TempDir()
	cfg.LogLevel = "error"
	cfg.TLSCert, cfg.TLSKey = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	a := newApp(t, cfg, Options{})
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Run(t.Context(), ln); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(a.URL(), "https://") {
		t.Fatalf("URL %q, want https://", a.URL())
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	res, err := client.Get(a.URL() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != "ok" || res.TLS == nil {
		t.Errorf("GET /healthz over TLS: %d %q (tls %v)", res.StatusCode, body, res.TLS != nil)
	}
	plain := "http://" + strings.TrimPrefix(a.URL(), "https://") + "/healthz"
	if res, err := http.Get(plain); err == nil {
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode == http.StatusOK {
			t.Errorf("plain HTTP to the TLS port: %d %q, want a refusal", res.StatusCode, b)
		}
	}
}

// A missing certificate fails New, before anything is opened.
func TestTLSMissingFiles(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.TLSCert, cfg.TLSKey = filepath.Join(cfg.Data, "none.pem"), filepath.Join(cfg.Data, "none.key")
	if _, err := New(t.Context(), cfg, Options{Logs: io.Discard}); err == nil || !strings.Contains(err.Error(), "tls:") {
		t.Fatalf("New = %v, want a tls error", err)
	}
	if _, err := os.Stat(filepath.Join(cfg.Data, "agentshop.db")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the database was created before the certificate was checked: %v", err)
	}
}

// writeCertificate writes a self-signed certificate for 127.0.0.1 to
// dir/cert.pem and its key to dir/key.pem, and returns a pool trusting it.
func writeCertificate(t *testing.T, dir string) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "agentshop test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, typ string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("cert.pem", "CERTIFICATE", der)
	write("key.pem", "EC PRIVATE KEY", kder)
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool
}

// /metrics carries agentshop_build_info with the build's labels.
func TestBuildInfoMetric(t *testing.T) {
	t.Parallel()
	a := newApp(t, testConfig(t), Options{})
	rec := httptest.NewRecorder()
	a.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	var line string
	for l := range strings.Lines(body) {
		if strings.HasPrefix(l, "agentshop_build_info{") {
			line = strings.TrimSpace(l)
		}
	}
	if line == "" || !strings.HasSuffix(line, "} 1") || !strings.Contains(line, `goversion="go`) ||
		!strings.Contains(line, `revision="`) || !strings.Contains(line, `version="`) {
		t.Errorf("build info metric %q", line)
	}
}

// An admin app has the store and service but no surfaces.
func TestExistingBuildsNoSurfaces(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	newApp(t, cfg, Options{}).Close()
	a := newApp(t, cfg, Options{Existing: true})
	if a.Handler() != nil || a.Service == nil || a.Store == nil {
		t.Errorf("admin app: handler %v, service %v, store %v", a.Handler(), a.Service, a.Store)
	}
	if err := a.Run(t.Context(), nil); err == nil {
		t.Error("Run on an admin app did not fail")
	}
}
