package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"agentshop/internal/acpclient"
	"agentshop/internal/commerce"
	"agentshop/internal/payment/sandbox"
	"agentshop/internal/store"
	"agentshop/internal/store/postgres"
	"agentshop/internal/store/sqlite"
)

// Helpers for the tests that run `agentshop serve` and the other commands
// as processes (e2e_test.go, crash_test.go, webhook_test.go,
// replica_test.go, stripe_test.go): the binaries, built once, processes
// whose output the tests wait on, and the databases they share.

// procAPIKey is the agent API key every process of these tests installs.
const procAPIKey = "ask_proc_test_fixed_key_0123456789"

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
func (b backend) open(t *testing.T) store.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var (
		st  store.Store
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

// launch starts `agentshop serve` on the backend with the test's agent
// API key and no fault unless env sets one, logging to dir/log, and waits
// until it is ready. The process is killed when the test ends.
func launch(t *testing.T, bin, dir, log string, b backend, env []string, args ...string) *server {
	t.Helper()
	args = append([]string{"--data", b.data}, args...)
	if b.database != "" {
		args = append(args, "--database", b.database)
	}
	return startProcess(t, bin, dir, log, append([]string{"AGENTSHOP_AGENT_API_KEY=" + procAPIKey, "AGENTSHOP_FAULT="}, env...), args...)
}

// binaries are the agentshop binaries the process tests run, each built
// at most once per test binary run, when a test first needs it, and
// removed by TestMain when the run ends. They are package state because
// TestMain is the only place that outlives every test.
var binaries struct {
	dir   string
	plain func() (string, error) // go build
	fault func() (string, error) // go build -tags faultinject
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "agentshop-test-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "test binaries:", err)
		os.Exit(1)
	}
	binaries.dir = dir
	binaries.plain = sync.OnceValues(func() (string, error) { return goBuild(dir, "agentshop") })
	binaries.fault = sync.OnceValues(func() (string, error) { return goBuild(dir, "agentshop-faultinject", "-tags", "faultinject") })
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// goBuild builds this package as dir/name with the extra build flags.
func goBuild(dir, name string, flags ...string) (string, error) {
	bin := filepath.Join(dir, name)
	args := append(append([]string{"build"}, flags...), "-o", bin, ".")
	if out, err := exec.Command("go", args...).CombinedOutput(); err != nil {
		return "", fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return bin, nil
}

// buildBinary returns the agentshop binary, built on first use.
func buildBinary(t *testing.T) string {
	t.Helper()
	return binary(t, binaries.plain)
}

// buildFaultBinary returns agentshop built with -tags faultinject, so that
// AGENTSHOP_FAULT can SIGKILL it at a point of complete; built on first
// use.
func buildFaultBinary(t *testing.T) string {
	t.Helper()
	return binary(t, binaries.fault)
}

func binary(t *testing.T, build func() (string, error)) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped in -short mode")
	}
	bin, err := build()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// syncBuffer collects a process's output while it runs, optionally
// copying it to a file as well, and wakes whoever waits for a line of it:
// tests wait on what the process says, not on the clock. The zero value
// is ready to use.
type syncBuffer struct {
	mu      sync.Mutex
	b       strings.Builder
	tee     io.Writer     // also written here when set
	changed chan struct{} // closed at the next Write or close; nil until someone waits
	closed  bool          // the process is gone: no more output
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tee != nil {
		_, _ = s.tee.Write(p)
	}
	s.b.Write(p)
	s.wakeLocked()
	return len(p), nil
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// close records that no more output will come.
func (s *syncBuffer) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.wakeLocked()
}

func (s *syncBuffer) wakeLocked() {
	if s.changed != nil {
		close(s.changed)
		s.changed = nil
	}
}

// snapshot returns the output so far and a channel closed when more
// arrives; nil once the output has ended.
func (s *syncBuffer) snapshot() (string, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return s.b.String(), nil
	}
	if s.changed == nil {
		s.changed = make(chan struct{})
	}
	return s.b.String(), s.changed
}

// waitLine waits until a complete line of one of outs satisfies match and
// returns it. It fails the test after timeout, or as soon as every output
// has ended without such a line, saying what it waited for.
func waitLine(t *testing.T, timeout time.Duration, what string, match func(line string) bool, outs ...*syncBuffer) string {
	t.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		cases := []reflect.SelectCase{{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(timer.C)}}
		for _, o := range outs {
			text, changed := o.snapshot()
			// Only complete lines: a line still being written may match
			// by its beginning alone.
			if i := strings.LastIndexByte(text, '\n'); changed != nil {
				text = text[:i+1]
			}
			for line := range strings.Lines(text) {
				if line = strings.TrimSuffix(line, "\n"); match(line) {
					return line
				}
			}
			if changed != nil {
				cases = append(cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(changed)})
			}
		}
		if len(cases) == 1 {
			t.Fatalf("the output ended without %s", what)
		}
		if i, _, _ := reflect.Select(cases); i == 0 {
			t.Fatalf("no %s after %v", what, timeout)
		}
	}
}

// server is a running `agentshop serve` process.
type server struct {
	cmd    *exec.Cmd
	url    string
	stdout *syncBuffer
	log    *syncBuffer   // stderr, also written to the log file
	exited chan error    // receives Wait's error once
	gone   chan struct{} // closed once the process is gone
}

// startProcess starts `agentshop serve --addr … ARGS…` in dir with env
// added to the environment, its stderr in dir/logName, and waits until it
// has logged that it is serving; then /readyz must answer 200. The
// process is killed when the test ends, and its log shown if the test
// failed.
func startProcess(t *testing.T, bin, dir, logName string, env []string, args ...string) *server {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(bin, append([]string{"serve", "--addr", addr}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	logPath := filepath.Join(dir, logName)
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, url: "http://" + addr, stdout: &syncBuffer{}, log: &syncBuffer{tee: logf}, exited: make(chan error, 1), gone: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = s.stdout, s.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		// Wait returns once the process is gone and its output copied.
		err := cmd.Wait()
		s.stdout.close()
		s.log.close()
		logf.Close()
		s.exited <- err
		close(s.gone)
	}()
	t.Cleanup(func() {
		// Gone before t.TempDir's cleanup removes its files.
		_ = cmd.Process.Kill()
		<-s.gone
		if t.Failed() {
			t.Logf("%s:\n%s", logName, s.log.String())
		}
	})
	// The line comes once the listener is open (serve logs it last).
	waitLine(t, 30*time.Second, `"agentshop serving" in `+logName, func(line string) bool {
		return strings.Contains(line, `msg="agentshop serving"`)
	}, s.log)
	res, err := http.Get(s.url + "/readyz")
	if err != nil {
		t.Fatalf("serving, but /readyz: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("serving, but /readyz answered %d", res.StatusCode)
	}
	return s
}

// startServe starts `agentshop serve` on SQLite in dir/data, logging to
// dir/serve.log.
func startServe(t *testing.T, bin, dir string, env []string, args ...string) *server {
	t.Helper()
	return startProcess(t, bin, dir, "serve.log", env, append([]string{"--data", filepath.Join(dir, "data")}, args...)...)
}

// stop sends SIGTERM and expects a clean exit. Once it returns, all the
// process's output has been read.
func (s *server) stop(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-s.exited:
		if err != nil {
			t.Errorf("serve exited with %v after SIGTERM", err)
		}
	case <-time.After(25 * time.Second):
		t.Fatal("serve did not stop after SIGTERM")
	}
}

// waitKilled waits for the process to die of SIGKILL (a fault point) and
// returns when it saw it die: anything the process did, it did before.
func (s *server) waitKilled(t *testing.T) time.Time {
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
	return time.Now()
}

// waitRecorded waits until one of servers logs that the outbox recorded
// event id with status (the webhook worker's debug line, written after
// the commit): then the store says so too. The servers must log at debug
// level (webhookConfig sets it).
func waitRecorded(t *testing.T, id string, status commerce.EventStatus, servers ...*server) {
	t.Helper()
	want := []string{`msg="webhook: attempt recorded" `, " event=" + id + " ", " status=" + string(status) + " "}
	var logs []*syncBuffer
	for _, s := range servers {
		logs = append(logs, s.log)
	}
	waitLine(t, 20*time.Second, "record of event "+id+" "+string(status), func(line string) bool {
		for _, w := range want {
			if !strings.Contains(line, w) {
				return false
			}
		}
		return true
	}, logs...)
}

// waitPast waits until the instant at has passed. It is for leases kept
// by another process: the test knows by when the lease ends (no later
// than at) and wants the behaviour that follows, so the wait is for time
// itself, not for another goroutine.
func waitPast(at time.Time) {
	time.Sleep(time.Until(at))
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
func checkToken(t *testing.T, st sandbox.Vault, token, wantBy string) {
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
