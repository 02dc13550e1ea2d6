package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"agentshop/internal/acpclient"
	"agentshop/internal/commerce"
	"agentshop/internal/store/postgres"
	"agentshop/internal/store/sqlite"
)

// Helpers for the tests that run several `agentshop serve` processes on
// one database (crash_test.go, replica_test.go). They reuse server,
// syncBuffer and freeAddr from e2e_test.go.

// procAPIKey is the agent API key every process of these tests installs.
const procAPIKey = "ask_proc_test_fixed_key_0123456789"

// buildFaultBinary compiles agentshop with -tags faultinject, so that
// AGENTSHOP_FAULT can SIGKILL it at a point of complete.
func buildFaultBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and kills the binary; skipped in -short mode")
	}
	bin := filepath.Join(t.TempDir(), "agentshop-faultinject")
	cmd := exec.Command("go", "build", "-tags", "faultinject", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build -tags faultinject: %v\n%s", err, out)
	}
	return bin
}

// backend is the database the processes of one test share: a SQLite file
// under data, or one PostgreSQL schema named in database's search_path.
type backend struct {
	name     string // "sqlite" or "postgres"
	data     string // --data
	database string // --database; empty for SQLite
}

// backendNames returns "sqlite" and, when AGENTSHOP_TEST_POSTGRES_URL is
// set, "postgres".
func backendNames() []string {
	if os.Getenv("AGENTSHOP_TEST_POSTGRES_URL") == "" {
		return []string{"sqlite"}
	}
	return []string{"sqlite", "postgres"}
}

// newBackend returns a fresh, empty database of kind name for one test.
func newBackend(t *testing.T, name string) backend {
	t.Helper()
	b := backend{name: name, data: filepath.Join(t.TempDir(), "data")}
	if name == "postgres" {
		b.database = freshSchema(t)
	}
	return b
}

// freshSchema creates and migrates a schema of its own on
// AGENTSHOP_TEST_POSTGRES_URL, drops it when the test ends and returns the
// URL with search_path naming it (postgres.Open uses the first schema of
// the search_path, which must exist).
func freshSchema(t *testing.T) string {
	t.Helper()
	base := os.Getenv("AGENTSHOP_TEST_POSTGRES_URL")
	if base == "" {
		t.Skip("AGENTSHOP_TEST_POSTGRES_URL not set; e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	schema := "proc_" + hex.EncodeToString(rnd[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := postgres.OpenSchema(ctx, base, schema)
	if err != nil {
		t.Fatalf("create schema: %v", err)
	}
	db.Close()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}

// open opens the backend's store for inspection; the caller closes it.
func (b backend) open(t *testing.T) commerce.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var (
		st  commerce.Store
		err error
	)
	if b.database != "" {
		st, err = postgres.Open(ctx, b.database)
	} else {
		st, err = sqlite.Open(ctx, filepath.Join(b.data, "agentshop.db"))
	}
	if err != nil {
		t.Fatalf("open %s store: %v", b.name, err)
	}
	return st
}

// leaseConfig writes a config file with short payment and in-flight
// idempotency leases, so crash recovery happens in seconds, not minutes.
func leaseConfig(t *testing.T, dir string, payment, inFlight time.Duration) string {
	t.Helper()
	return writeConfig(t, dir, map[string]any{"shop": map[string]string{
		"payment_lease":         payment.String(),
		"idempotency_in_flight": inFlight.String(),
	}})
}

// writeConfig writes cfg as dir/config.json and returns its path.
func writeConfig(t *testing.T, dir string, cfg map[string]any) string {
	t.Helper()
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "config.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// launch starts `agentshop serve` on the backend, logging to dir/log, and
// waits until it is ready. The process is killed when the test ends.
func launch(t *testing.T, bin, dir, log string, b backend, env []string, args ...string) *server {
	t.Helper()
	addr := freeAddr(t)
	args = append([]string{"serve", "--addr", addr, "--data", b.data}, args...)
	if b.database != "" {
		args = append(args, "--database", b.database)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), append([]string{"AGENTSHOP_AGENT_API_KEY=" + procAPIKey, "AGENTSHOP_FAULT="}, env...)...)
	out := &syncBuffer{}
	cmd.Stdout = out
	logPath := filepath.Join(dir, log)
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, url: "http://" + addr, stdout: out, exited: make(chan error, 1)}
	go func() { s.exited <- cmd.Wait(); logf.Close() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("%s:\n%s", log, b)
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := http.Get(s.url + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s
			}
		}
		select {
		case err := <-s.exited:
			b, _ := os.ReadFile(logPath)
			t.Fatalf("serve exited early: %v\n%s", err, b)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("serve did not become ready")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitKilled waits for the process to die of SIGKILL (a fault point).
func (s *server) waitKilled(t *testing.T) {
	t.Helper()
	select {
	case err := <-s.exited:
		ee, ok := errors.AsType[*exec.ExitError](err)
		if !ok {
			t.Fatalf("serve exited with %v, want death by SIGKILL", err)
		}
		if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("serve exited with %v, want death by SIGKILL", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not die at the fault point")
	}
}

// Test purchase: two rackets shipped to California, standard shipping.
const (
	procItem     = "starvie-metheora-warrior"
	procQuantity = 2
	cardOK       = "4242424242424242"
	cardDecline  = "4000000000000002"
)

var procAddress = acpclient.Address{Name: "Ada Lovelace", LineOne: "1 Market St", City: "San Francisco", State: "CA", Country: "US", PostalCode: "94103"}

// newClient returns an ACP client for the server at url that fails fast.
func newClient(url, version string) *acpclient.Client {
	c := acpclient.New(url, procAPIKey, version)
	c.HTTP = &http.Client{Timeout: 15 * time.Second}
	return c
}

// readySession creates a session for the test purchase and sets the
// address; it fails the test unless the session is ready for payment.
func readySession(ctx context.Context, t *testing.T, c *acpclient.Client) *acpclient.Session {
	t.Helper()
	body, err := acpclient.NewCreateRequest(c.Version, acpclient.CreateParams{
		Items:    []acpclient.ItemQuantity{{ID: procItem, Quantity: procQuantity}},
		Currency: "usd",
	})
	if err != nil {
		t.Fatal(err)
	}
	s, _, err := c.CreateSession(ctx, body)
	if err != nil {
		t.Fatalf("create session: %v", err)
	}
	body, err = acpclient.NewUpdateRequest(c.Version, acpclient.UpdateParams{Address: &procAddress, Email: "ada@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	s, _, err = c.UpdateSession(ctx, s.ID, body)
	if err != nil {
		t.Fatalf("set address: %v", err)
	}
	if s.Status != "ready_for_payment" {
		t.Fatalf("session %s is %s, want ready_for_payment; messages %+v", s.ID, s.Status, s.Messages)
	}
	return s
}

// delegateCard gets a sandbox vault token for card, bound to s and its
// total.
func delegateCard(ctx context.Context, t *testing.T, c *acpclient.Client, s *acpclient.Session, card string) string {
	t.Helper()
	total, ok := s.Total()
	if !ok {
		t.Fatalf("session %s has no total", s.ID)
	}
	merchant := s.MerchantID()
	if merchant == "" {
		merchant = "acct_agentshop_demo"
	}
	d, _, err := c.DelegatePayment(ctx, acpclient.NewDelegatePaymentRequest(acpclient.CardDelegation{
		Number: card, ExpMonth: "12", ExpYear: strconv.Itoa(time.Now().Year() + 3), CVC: "123",
		MaxAmount: total, Currency: s.Currency, CheckoutSessionID: s.ID, MerchantID: merchant,
		ExpiresAt: time.Now().Add(15 * time.Minute),
	}))
	if err != nil {
		t.Fatalf("delegate payment: %v", err)
	}
	return d.ID
}

// completeBody is the complete request paying s with token.
func completeBody(t *testing.T, c *acpclient.Client, s *acpclient.Session, token string) any {
	t.Helper()
	p := acpclient.CompleteParams{Token: token}
	if h := s.CardHandler(); h != nil {
		p.HandlerID = h.ID
	}
	body, err := acpclient.NewCompleteRequest(c.Version, p)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// apiCode returns the flat error code of an *acpclient.APIError with
// status, or "" when err is something else.
func apiCode(err error, status int) string {
	if e, ok := errors.AsType[*acpclient.APIError](err); ok && e.Status == status {
		return e.Code
	}
	return ""
}

// completeUntilDone completes s with a fresh key per attempt, as an agent
// retrying a busy merchant would: 409 in_progress (a payment attempt is
// leased by a request that is gone) is retried until the deadline. It
// returns the first 200 and how many 409s it saw.
func completeUntilDone(ctx context.Context, t *testing.T, c *acpclient.Client, id string, body any, deadline time.Duration) (*acpclient.Session, *acpclient.Response, int) {
	t.Helper()
	end := time.Now().Add(deadline)
	busy := 0
	for {
		s, resp, err := c.CompleteSession(ctx, id, body)
		if err == nil {
			return s, resp, busy
		}
		if apiCode(err, http.StatusConflict) != "in_progress" {
			t.Fatalf("complete: %v", err)
		}
		busy++
		if time.Now().After(end) {
			t.Fatalf("complete still in progress after %s (%d × 409)", deadline, busy)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// checkOneCharge checks in the store that session id was charged exactly
// once: one succeeded payment and no pending one, one order pointing at
// it with the charged total, the session completed with that order, and
// the item's stock decremented once from initial. It returns the payment.
func checkOneCharge(t *testing.T, st commerce.Store, id string, initial int64) *commerce.Payment {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pays, err := st.ListPayments(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var ok *commerce.Payment
	for _, p := range pays {
		t.Logf("payment %s attempt %d: %s %d %s decline=%q", p.ID, p.Attempt, p.Status, p.Amount, p.Currency, p.DeclineCode)
		switch p.Status {
		case commerce.PaymentSucceeded:
			if ok != nil {
				t.Errorf("two succeeded payments: %s and %s", ok.ID, p.ID)
			}
			ok = p
		case commerce.PaymentPending:
			t.Errorf("payment %s still pending", p.ID)
		}
	}
	if ok == nil {
		t.Fatalf("no succeeded payment for %s (%d attempts)", id, len(pays))
	}
	orders, err := st.ListOrders(ctx, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var mine []*commerce.Order
	for _, o := range orders {
		if o.SessionID == id {
			mine = append(mine, o)
		}
	}
	if len(mine) != 1 {
		t.Fatalf("%d orders for session %s, want 1", len(mine), id)
	}
	if mine[0].PaymentID != ok.ID {
		t.Errorf("order %s paid by %s, want %s", mine[0].ID, mine[0].PaymentID, ok.ID)
	}
	if mine[0].Totals.Total != ok.Amount {
		t.Errorf("order total %d, charged %d", mine[0].Totals.Total, ok.Amount)
	}
	sess, err := st.GetSession(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if sess.Status != commerce.StatusCompleted || sess.OrderID != mine[0].ID {
		t.Errorf("session %s: status %q order %q, want completed with %s", id, sess.Status, sess.OrderID, mine[0].ID)
	}
	levels, err := st.StockLevels(ctx, []string{procItem})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := levels[procItem], initial-procQuantity; got != want {
		t.Errorf("stock of %s = %d, want %d (decremented once)", procItem, got, want)
	}
	return ok
}

// checkToken checks that the vault token was redeemed by the charge key
// wantBy, or not at all when wantBy is empty.
func checkToken(t *testing.T, st commerce.Store, token, wantBy string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	vt, err := st.GetVaultToken(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case wantBy == "" && vt.RedeemedAt != nil:
		t.Errorf("token %s redeemed by %q, want unredeemed", token, vt.RedeemedBy)
	case wantBy != "" && (vt.RedeemedAt == nil || vt.RedeemedBy != wantBy):
		t.Errorf("token %s redeemed by %q (at %v), want %q", token, vt.RedeemedBy, vt.RedeemedAt, wantBy)
	}
}

func describe(s *acpclient.Session) string {
	if s == nil {
		return "<nil>"
	}
	order := ""
	if s.Order != nil {
		order = " order " + s.Order.ID
	}
	return fmt.Sprintf("%s %s%s messages %+v", s.ID, s.Status, order, s.Messages)
}
