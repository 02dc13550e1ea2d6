package opsmcp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"agentshop/internal/commerce"
	"agentshop/internal/ops"
	"agentshop/internal/opsstripe"
)

// tool is one tool of the catalogue (ops.Catalogue) and how it runs.
type tool struct {
	spec               ops.ToolSpec
	title, description string
	schema             *jsonschema.Schema
	// run answers a read tool's call.
	run func(ctx context.Context, s *Server, c *call) (any, error)
	// plan checks a write tool's call and says what it would do; the
	// plan acts only once confirmed.
	plan func(ctx context.Context, s *Server, c *call) (*plan, error)
}

// plan is a write a call asks for, not yet made.
type plan struct {
	// Summary says what the write does, for the person to agree to.
	Summary string
	// Live marks a shop write on a live-mode order (Stripe writes are
	// live by their account's mode).
	Live bool
	// Act makes the write under key. tx, when the write is the shop's,
	// is set by act to run the audit row in the write's transaction.
	Act func(ctx context.Context, key string, audit *auditInTx) (any, error)
}

// auditInTx lets a write commit its audit row in its own transaction:
// Commit writes it through the transaction's executor; done reports that
// it ran.
type auditInTx struct {
	entry *ops.AuditEntry
	start time.Time
	done  bool
}

// Commit writes the audit entry as ok within tx.
func (a *auditInTx) Commit(ctx context.Context, tx commerce.Executor) error {
	x, ok := tx.(ops.Executor)
	if !ok {
		return fmt.Errorf("ops audit: the store's transaction is not an ops.Executor")
	}
	a.entry.Outcome, a.entry.Duration = ops.OutcomeOK, time.Since(a.start)
	if err := x.CreateOpsAudit(ctx, a.entry); err != nil {
		return err
	}
	a.done = true
	return nil
}

func (t *tool) descriptor() *mcp.Tool {
	ann := &mcp.ToolAnnotations{Title: t.title, OpenWorldHint: new(true)}
	if t.spec.Method == ops.Read {
		ann.ReadOnlyHint, ann.IdempotentHint = true, true
	} else {
		ann.DestructiveHint, ann.IdempotentHint = new(true), true
	}
	if strings.HasPrefix(t.spec.Name, "shop_") {
		ann.OpenWorldHint = new(false)
	}
	return &mcp.Tool{Name: t.spec.Name, Title: t.title, Description: t.description, InputSchema: t.schema, Annotations: ann}
}

// call is one tool call.
type call struct {
	env  *env
	tool *tool
	raw  json.RawMessage
	// requestID is the last Stripe request id of the call.
	requestID string
}

// stripeGet and stripePost call Stripe and keep the request id.
func (c *call) stripeGet(ctx context.Context, path string, q map[string][]string) (json.RawMessage, error) {
	r, err := c.env.stripe.Get(ctx, path, q)
	return c.stripeResult(r, err)
}

func (c *call) stripePost(ctx context.Context, path string, form map[string][]string, key string) (json.RawMessage, error) {
	r, err := c.env.stripe.Post(ctx, path, form, key)
	return c.stripeResult(r, err)
}

func (c *call) stripeResult(r *opsstripe.Response, err error) (json.RawMessage, error) {
	if err != nil {
		if se, ok := errors.AsType[*opsstripe.Error](err); ok {
			c.requestID = se.RequestID
		}
		return nil, err
	}
	c.requestID = r.RequestID
	return r.Body, nil
}

// writeArgs are the arguments every write tool takes besides its own.
type writeArgs struct {
	IdempotencyKey    string `json:"idempotency_key,omitempty" jsonschema:"Makes the write act at most once: a retry with the same key and arguments replays the first result. Omitted, a key is derived from the arguments, so the same request made twice acts once."`
	ConfirmationToken string `json:"confirmation_token,omitempty" jsonschema:"Leave out on the first call, which returns a summary and this token and changes nothing. Pass it, with the same arguments, once the user has agreed to the summary."`
}

// handle runs one tool call: checks the filter again, runs a read or the
// two steps of a write, and audits the call.
func (s *Server) handle(t *tool) mcp.ToolHandler {
	return func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		e := envFrom(ctx)
		if e == nil || !e.server.Filter.Allows(t.spec) {
			// Unreachable: a server lists only its filter's tools. Kept
			// so that no wiring mistake can run a tool outside it.
			return nil, fmt.Errorf("unknown tool %q", t.spec.Name)
		}
		start := time.Now()
		c := &call{env: e, tool: t, raw: rawArgs(req)}
		entry := &ops.AuditEntry{ID: commerce.NewID("oau"), ServerID: e.server.ID, Tool: t.spec.Name, Args: ops.MaskArgs(c.raw), CreatedAt: s.cfg.Now().UTC()}
		var (
			out any
			err error
		)
		if t.spec.Method == ops.Read {
			out, err = t.run(ctx, s, c)
			entry.Outcome = ops.OutcomeOK
		} else {
			out, err = s.write(ctx, c, entry, start)
		}
		entry.StripeRequestID, entry.Duration = c.requestID, time.Since(start)
		if err != nil {
			entry.Outcome, entry.Error = outcomeOf(err), errorText(err)
		}
		if entry.Outcome != "" { // written already when the write's transaction holds it
			if aerr := s.cfg.Store.CreateOpsAudit(context.WithoutCancel(ctx), entry); aerr != nil {
				s.log.Error("ops audit write failed", "err", aerr, "server", e.server.ID, "tool", t.spec.Name)
				return nil, fmt.Errorf("the call could not be recorded in the audit log; retry")
			}
		}
		if err != nil {
			return s.errorResult(c, err), nil
		}
		return jsonResult(out), nil
	}
}

func rawArgs(req *mcp.CallToolRequest) json.RawMessage {
	if req == nil || req.Params == nil || len(req.Params.Arguments) == 0 {
		return json.RawMessage(`{}`)
	}
	return req.Params.Arguments
}

// write runs a write tool's step: without a confirmation token, the plan
// and a token (nothing changes); with one that matches, the write. The
// entry's Outcome is left empty when the write's transaction wrote it.
func (s *Server) write(ctx context.Context, c *call, entry *ops.AuditEntry, start time.Time) (any, error) {
	var wa writeArgs
	if err := json.Unmarshal(c.raw, &wa); err != nil {
		return nil, refusal("invalid_arguments", "The arguments are not a JSON object: %v", err)
	}
	liveRefused := func() error {
		return refusal("live_writes_not_allowed", "This server may not write in live mode: create a server with --allow-live-writes for that.")
	}
	shop := strings.HasPrefix(c.tool.spec.Name, "shop_")
	// A Stripe write is live when the account's key is: refused before
	// Stripe is asked anything.
	if !shop && c.env.account.Mode == ops.ModeLive && !c.env.server.AllowLiveWrites {
		return nil, liveRefused()
	}
	key := wa.IdempotencyKey
	if len(key) > 200 {
		return nil, refusal("invalid_arguments", "idempotency_key is longer than 200 characters.")
	}
	fp, derived, err := fingerprint(c.env.account.ID, c.tool.spec.Name, c.raw)
	if err != nil {
		return nil, refusal("invalid_arguments", "The arguments are not a JSON object: %v", err)
	}
	if key == "" {
		key = derived
	}
	p, err := c.tool.plan(ctx, s, c)
	if err != nil {
		return nil, err
	}
	// A shop write is live when the order's payment was.
	if shop && p.Live && !c.env.server.AllowLiveWrites {
		return nil, liveRefused()
	}
	now := s.cfg.Now().UTC()
	if wa.ConfirmationToken == "" {
		token := ops.ConfirmationPrefix + randomToken()
		cf := &ops.Confirmation{ID: ops.Hash(token), ServerID: c.env.server.ID, Tool: c.tool.spec.Name, Fingerprint: fp,
			Summary: p.Summary, ExpiresAt: now.Add(s.cfg.ConfirmationTTL), CreatedAt: now}
		entry.Outcome, entry.Duration, entry.StripeRequestID = ops.OutcomeConfirm, time.Since(start), c.requestID
		err := s.cfg.Store.InTx(ctx, func(tx commerce.Executor) error {
			x := tx.(ops.Executor)
			if err := x.CreateOpsConfirmation(ctx, cf); err != nil {
				return err
			}
			return x.CreateOpsAudit(ctx, entry)
		})
		if err != nil {
			return nil, fmt.Errorf("record confirmation: %w", err)
		}
		entry.Outcome = "" // recorded
		return map[string]any{
			"confirmation_required": true,
			"summary":               p.Summary,
			"confirmation_token":    token,
			"expires_at":            cf.ExpiresAt.Format(time.RFC3339),
			"idempotency_key":       key,
			"next_step":             "Nothing was changed. Show the summary to the user; if they agree, call " + c.tool.spec.Name + " again with the same arguments and this confirmation_token.",
		}, nil
	}
	cf, err := s.cfg.Store.OpsConfirmation(ctx, ops.Hash(wa.ConfirmationToken))
	switch {
	case errors.Is(err, commerce.ErrNotFound):
		return nil, refusal("confirmation_invalid", "This confirmation_token is not known: call the tool without it to get a summary and a new token.")
	case err != nil:
		return nil, fmt.Errorf("read confirmation: %w", err)
	case cf.ServerID != c.env.server.ID || cf.Tool != c.tool.spec.Name:
		return nil, refusal("confirmation_invalid", "This confirmation_token was issued for another call.")
	case cf.Fingerprint != fp:
		return nil, refusal("confirmation_mismatch", "The arguments differ from the ones confirmed: call without confirmation_token to get a summary of these.")
	case !now.Before(cf.ExpiresAt):
		return nil, refusal("confirmation_expired", "This confirmation_token has expired: call the tool without it to get a new summary and token.")
	}
	at := &auditInTx{entry: entry, start: start}
	out, err := p.Act(ctx, "ops:"+key, at)
	if at.done {
		entry.Outcome = "" // in the write's transaction
		if err == nil {
			return out, nil
		}
		// Recorded with the change, then refused by the provider (a
		// refund recorded as failed): the row says ok, this says why.
		entry.ID = commerce.NewID("oau")
	}
	if err != nil {
		return nil, err
	}
	entry.Outcome = ops.OutcomeOK
	return out, nil
}

// fingerprint is the hash of a write's arguments (its confirmation token
// aside) and the idempotency key derived from them (with the account and
// tool) for a call that gives none.
func fingerprint(accountID, tool string, raw json.RawMessage) (fp, key string, err error) {
	var args map[string]any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&args); err != nil {
		return "", "", err
	}
	delete(args, "confirmation_token")
	withKey, _ := json.Marshal(args) // map keys sorted: canonical enough for our own arguments
	delete(args, "idempotency_key")
	withoutKey, _ := json.Marshal(args)
	h := sha256.Sum256([]byte(tool + "\x00" + string(withKey)))
	k := sha256.Sum256([]byte(accountID + "\x00" + tool + "\x00" + string(withoutKey)))
	return hex.EncodeToString(h[:]), "derived-" + hex.EncodeToString(k[:20]), nil
}

// decode reads a tool's arguments strictly into T: unknown fields and
// trailing data are refused.
func decode[T any](raw json.RawMessage) (*T, error) {
	var v T
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(&v); err != nil {
		return nil, refusal("invalid_arguments", "The arguments do not match the tool's input schema: %v", err)
	}
	if d.More() {
		return nil, refusal("invalid_arguments", "The arguments hold more than one JSON value.")
	}
	return &v, nil
}

// schemaFor is T's input schema; a tool whose type has none is a
// programming error caught by any test that lists tools.
func schemaFor[T any]() *jsonschema.Schema {
	s, err := jsonschema.For[T](nil)
	if err != nil {
		panic(fmt.Sprintf("opsmcp: input schema: %v", err))
	}
	return s
}
