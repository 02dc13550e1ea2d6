package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"agentshop/internal/acp"
	"agentshop/internal/acpclient"
	"agentshop/internal/payment/sandbox"
)

const agentUsage = `usage: agentshop agent buy --merchant URL --item SKU [--item SKU…] [flags]
       agentshop agent webhooks --secret S [--listen ADDR] [--spec-dir DIR]

Plays the agent (ChatGPT's role) against any ACP merchant. buy: create a
checkout session, set the address, pick the cheapest shipping, delegate a
test card, complete, and print the order. webhooks: receive the merchant's
order webhooks, check their signatures (and, with the spec directory, their
schema) and print them. Run 'agentshop agent buy -h' for the flags.
`

// runAgent implements `agentshop agent`: buy and webhooks.
func runAgent(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, agentUsage)
		return flag.ErrHelp
	}
	switch args[0] {
	case "buy":
		return runAgentBuy(ctx, args[1:], stdout, stderr)
	case "webhooks":
		return runAgentWebhooks(ctx, args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, agentUsage)
		return nil
	}
	fmt.Fprint(stderr, agentUsage)
	return fmt.Errorf("agent: unknown subcommand %q", args[0])
}

// buyOptions are the flags of `agent buy`.
type buyOptions struct {
	merchant   string
	apiKey     string
	signing    string
	items      []string
	quantity   int
	shipTo     *acpclient.Address
	email      string
	version    string
	currency   string
	card       string
	merchantID string
	auth3DS    string
	json       bool
}

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func parseBuyFlags(args []string, stderr io.Writer, env func(string) string) (buyOptions, error) {
	var o buyOptions
	fs := flag.NewFlagSet("agent buy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var items listFlag
	var shipTo string
	fs.StringVar(&o.merchant, "merchant", "", "the merchant's ACP base URL, e.g. http://localhost:8080 (required)")
	fs.StringVar(&o.apiKey, "api-key", env("AGENTSHOP_AGENT_API_KEY"), "the agent's API key at the merchant (default $AGENTSHOP_AGENT_API_KEY)")
	fs.StringVar(&o.signing, "signing-secret", env("AGENTSHOP_AGENT_SIGNING_SECRET"), "sign requests with this secret (keys made with 'keys create --signing'; default $AGENTSHOP_AGENT_SIGNING_SECRET)")
	fs.Var(&items, "item", "an item id (SKU) to buy; repeat for several")
	fs.IntVar(&o.quantity, "quantity", 1, "quantity of each item")
	fs.StringVar(&shipTo, "ship-to", "", `shipping address on one line, comma-separated:
"Name, Line 1[, Line 2], City, State Postal[, Country]"
e.g. "Ada Lovelace, 1 Main St, San Francisco, CA 94103, US".
State and postal code may also be separate parts ("…, CA, 94103, US");
the country (ISO 3166-1 alpha-2) defaults to US. Not needed for a digital-only cart.`)
	fs.StringVar(&o.email, "email", "", "the buyer's email (sent with the address and as the buyer on complete)")
	fs.StringVar(&o.version, "api-version", acpclient.Version20260417, "ACP API version: "+strings.Join(acpclient.Versions, " or "))
	fs.StringVar(&o.currency, "currency", "", "session currency for 2026-04-17 (default: the merchant's first supported currency from discovery, else usd)")
	fs.StringVar(&o.card, "card", "4242424242424242", "test card number (spaces allowed); against an agentshop sandbox:\n"+testCardHelp())
	fs.StringVar(&o.merchantID, "merchant-id", "", "merchant id for the delegated-payment allowance (default: the one the session declares)")
	fs.StringVar(&o.auth3DS, "auth-3ds", "authenticated", `3-D Secure outcome to report when a 2026-04-17 merchant answers authentication_required
(authenticated, attempt_acknowledged, denied, …); "none" stops there`)
	fs.BoolVar(&o.json, "json", false, "print the final session JSON on stdout (the steps go to stderr)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("agent buy: unexpected argument %q", fs.Arg(0))
	}
	o.items = items
	switch {
	case o.merchant == "":
		return o, errors.New("agent buy: --merchant is required")
	case len(o.items) == 0:
		return o, errors.New("agent buy: at least one --item is required")
	case o.quantity < 1:
		return o, fmt.Errorf("agent buy: --quantity must be at least 1, not %d", o.quantity)
	case !slices.Contains(acpclient.Versions, o.version):
		return o, fmt.Errorf("agent buy: --api-version %q is not supported (use %s)", o.version, strings.Join(acpclient.Versions, " or "))
	}
	card, err := cardNumber(o.card)
	if err != nil {
		return o, fmt.Errorf("agent buy: --card: %w", err)
	}
	o.card = card
	if shipTo != "" {
		a, err := parseAddress(shipTo)
		if err != nil {
			return o, fmt.Errorf("agent buy: --ship-to: %w", err)
		}
		o.shipTo = &a
	}
	return o, nil
}

func testCardHelp() string {
	var b strings.Builder
	for _, c := range sandbox.TestCards {
		fmt.Fprintf(&b, "  %s  %s\n", c.Number, c.Description)
	}
	return strings.TrimRight(b.String(), "\n")
}

// runAgentBuy runs one purchase. It returns an error unless the merchant
// completed the session with an order.
func runAgentBuy(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseBuyFlags(args, stderr, os.Getenv)
	if err != nil {
		return err
	}
	steps := stdout
	if o.json {
		steps = stderr
	}
	b := &buyer{
		opts: o,
		c:    acpclient.New(o.merchant, o.apiKey, o.version),
		out:  steps,
		now:  time.Now,
	}
	b.c.UserAgent = "agentshop-agent/" + version
	if o.signing != "" {
		b.c.Sign = func(ts string, body []byte) string { return acp.Sign(o.signing, ts, body) }
	}
	s, err := b.buy(ctx)
	if o.json && s != nil {
		var pretty bytes.Buffer
		if json.Indent(&pretty, s.Raw, "", "  ") != nil {
			pretty.Reset()
			pretty.Write(s.Raw)
		}
		fmt.Fprintln(stdout, pretty.String())
	}
	return err
}

// buyer walks one checkout and prints a line per step.
type buyer struct {
	opts buyOptions
	c    *acpclient.Client
	out  io.Writer
	now  func() time.Time
}

// buy runs the flow and returns the last session seen (nil before create).
func (b *buyer) buy(ctx context.Context) (*acpclient.Session, error) {
	v := b.opts.version
	currency := b.opts.currency
	if v == acpclient.Version20260417 && currency == "" {
		currency = b.discover(ctx)
	}

	// 1. Create the session.
	items := make([]acpclient.ItemQuantity, len(b.opts.items))
	for i, id := range b.opts.items {
		items[i] = acpclient.ItemQuantity{ID: id, Quantity: b.opts.quantity}
	}
	body, err := acpclient.NewCreateRequest(v, acpclient.CreateParams{Items: items, Currency: currency})
	if err != nil {
		return nil, err
	}
	s, resp, err := b.c.CreateSession(ctx, body)
	if err = b.step("create session", s, resp, err); err != nil {
		return nil, err
	}
	b.printLines(s)
	b.printMessages(s)

	// 2. Set the address.
	if a := b.opts.shipTo; a != nil {
		body, err := acpclient.NewUpdateRequest(v, acpclient.UpdateParams{Address: a, Email: b.opts.email})
		if err != nil {
			return s, err
		}
		next, resp, err := b.c.UpdateSession(ctx, s.ID, body)
		if err = b.step("set address", next, resp, err, oneLine(*a)); err != nil {
			return s, err
		}
		s = next
		b.printMessages(s)
	}

	// 3. Pick the cheapest fulfillment option.
	if opt := chooseOption(s); opt != nil {
		label := fmt.Sprintf("%s %s (%s)", opt.Title, b.optionCost(opt, s.Currency), opt.ID)
		if slices.Contains(s.SelectedFulfillmentOptionIDs, opt.ID) {
			b.printf("→ %-18s      %s, already selected\n", "select "+opt.Type, label)
		} else {
			ids := make([]string, len(s.LineItems))
			for i, li := range s.LineItems {
				ids[i] = li.ID
			}
			body, err := acpclient.NewUpdateRequest(v, acpclient.UpdateParams{FulfillmentOptionID: opt.ID, FulfillmentType: opt.Type, ItemIDs: ids})
			if err != nil {
				return s, err
			}
			next, resp, err := b.c.UpdateSession(ctx, s.ID, body)
			if err = b.step("select "+opt.Type, next, resp, err, label); err != nil {
				return s, err
			}
			s = next
			b.printMessages(s)
		}
	}
	b.printTotals(s)
	if s.Status != "ready_for_payment" {
		return s, fmt.Errorf("agent buy: session %s is %s; it must be ready_for_payment to pay%s", s.ID, s.Status, hint(s))
	}

	// 4. Delegate the card for exactly this session and total.
	total, ok := s.Total()
	if !ok {
		return s, fmt.Errorf("agent buy: session %s has no total to authorise", s.ID)
	}
	merchantID := b.opts.merchantID
	if merchantID == "" {
		merchantID = s.MerchantID()
	}
	if merchantID == "" && v == acpclient.Version20250929 {
		merchantID = b.merchantIDVia20260417(ctx, s.ID)
	}
	if merchantID == "" {
		return s, errors.New("agent buy: the merchant declares no merchant_id for delegated payment (payment_provider.merchant_id or capabilities.payment.handlers[].config.merchant_id); pass --merchant-id")
	}
	now := b.now()
	expires := now.Add(15 * time.Minute)
	d, resp, err := b.c.DelegatePayment(ctx, acpclient.NewDelegatePaymentRequest(acpclient.CardDelegation{
		Number: b.opts.card, ExpMonth: "12", ExpYear: strconv.Itoa(now.Year() + 3), CVC: "123",
		MaxAmount: total, Currency: s.Currency, CheckoutSessionID: s.ID, MerchantID: merchantID, ExpiresAt: expires,
	}))
	if err != nil {
		b.printf("→ %-18s %s\n", "delegate payment", failure(resp, err))
		return s, fmt.Errorf("agent buy: delegate payment: %w", err)
	}
	b.printf("→ %-18s %3d  %s  card •••• %s, up to %s, merchant %s, expires %s\n", "delegate payment", resp.Status, d.ID,
		b.opts.card[len(b.opts.card)-4:], money(total, s.Currency), merchantID, expires.UTC().Format("15:04 UTC"))

	// 5. Complete, answering 3-D Secure once if asked.
	cp := acpclient.CompleteParams{Token: d.ID, Buyer: b.buyerInfo()}
	if s.PaymentProvider != nil {
		cp.Provider = s.PaymentProvider.Provider
	}
	if v == acpclient.Version20260417 {
		h := s.CardHandler()
		if h == nil {
			return s, errors.New("agent buy: the merchant declares no payment handler (capabilities.payment.handlers is empty)")
		}
		cp.HandlerID = h.ID
	}
	s, err = b.complete(ctx, s, cp, "complete")
	if err != nil {
		return s, err
	}
	if s.Status == "authentication_required" {
		outcome := b.opts.auth3DS
		if outcome == "" || outcome == "none" {
			return s, fmt.Errorf("agent buy: the merchant requires 3-D Secure (authentication_required); rerun with --auth-3ds authenticated")
		}
		cp.Authentication = authenticationResult(outcome)
		if s, err = b.complete(ctx, s, cp, "complete (3DS "+outcome+")"); err != nil {
			return s, err
		}
	}
	for i := 0; i < 20 && (s.Status == "in_progress" || s.Status == "complete_in_progress"); i++ {
		select {
		case <-ctx.Done():
			return s, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
		next, resp, err := b.c.GetSession(ctx, s.ID)
		if err = b.step("poll", next, resp, err); err != nil {
			return s, err
		}
		s = next
	}
	if s.Status != "completed" || s.Order == nil {
		if v == acpclient.Version20250929 && s.HasMessage("requires_3ds") {
			return s, errors.New("agent buy: the merchant requires 3-D Secure, which API version 2025-09-29 cannot provide; retry with --api-version 2026-04-17")
		}
		return s, fmt.Errorf("agent buy: the purchase did not complete: session %s is %s%s", s.ID, s.Status, hint(s))
	}
	b.printf("✓ order %s  %s\n", s.Order.ID, s.Order.PermalinkURL)
	return s, nil
}

// discover reads the merchant's discovery document for a currency and
// reports the versions it speaks; a merchant without one still works.
func (b *buyer) discover(ctx context.Context) string {
	d, resp, err := b.c.Discovery(ctx)
	if err != nil {
		b.printf("→ %-18s %s (continuing)\n", "discovery", failure(resp, err))
		return "usd"
	}
	note := ""
	if !slices.Contains(d.Protocol.SupportedVersions, b.opts.version) {
		note = "  (warning: " + b.opts.version + " not listed)"
	}
	b.printf("→ %-18s %3d  acp %s, versions %s, services %s%s\n", "discovery", resp.Status,
		d.Protocol.Version, strings.Join(d.Protocol.SupportedVersions, ","), strings.Join(d.Capabilities.Services, ","), note)
	if len(d.Capabilities.SupportedCurrencies) > 0 {
		return strings.ToLower(d.Capabilities.SupportedCurrencies[0])
	}
	return "usd"
}

// merchantIDVia20260417 reads the merchant id from the 2026-04-17 view of
// the session. The 2025-09-29 schema has no place for it (merchant_id came
// to payment_provider in 2026-01-16), so a merchant speaking both versions
// only declares it in its payment handlers. It returns "" if that fails.
func (b *buyer) merchantIDVia20260417(ctx context.Context, id string) string {
	c := *b.c
	c.Version = acpclient.Version20260417
	s, resp, err := c.GetSession(ctx, id)
	if err != nil {
		b.printf("→ %-18s %s\n", "merchant id", failure(resp, err))
		return ""
	}
	mid := s.MerchantID()
	if mid != "" {
		b.printf("→ %-18s %3d  %s  (from the session's 2026-04-17 payment handler; 2025-09-29 does not carry it)\n", "merchant id", resp.Status, mid)
	}
	return mid
}

func (b *buyer) complete(ctx context.Context, s *acpclient.Session, p acpclient.CompleteParams, label string) (*acpclient.Session, error) {
	body, err := acpclient.NewCompleteRequest(b.opts.version, p)
	if err != nil {
		return s, err
	}
	next, resp, err := b.c.CompleteSession(ctx, s.ID, body)
	if err = b.step(label, next, resp, err); err != nil {
		if apiErr, ok := errors.AsType[*acpclient.APIError](err); ok && apiErr.Code == "requires_3ds" {
			err = fmt.Errorf("%w (the merchant wants an authentication_result; see --auth-3ds)", err)
		}
		return s, err
	}
	b.printMessages(next)
	return next, nil
}

// buyerInfo is the buyer sent on complete: 2026-04-17 needs only an email,
// 2025-09-29 also first and last names, taken from the ship-to name.
func (b *buyer) buyerInfo() *acpclient.Buyer {
	if b.opts.email == "" {
		return nil
	}
	by := &acpclient.Buyer{Email: b.opts.email}
	if a := b.opts.shipTo; a != nil {
		if first, last, ok := strings.Cut(strings.TrimSpace(a.Name), " "); ok {
			by.FirstName, by.LastName = first, strings.TrimSpace(last)
		}
	}
	if b.opts.version == acpclient.Version20250929 && (by.FirstName == "" || by.LastName == "") {
		return nil // 2025-09-29 requires both names; the buyer is optional
	}
	return by
}

// chooseOption returns the cheapest shipping option, or, when there is none
// and nothing is selected yet, the cheapest option of any type. It returns
// nil when there is nothing to choose (a digital cart the merchant already
// settled).
func chooseOption(s *acpclient.Session) *acpclient.FulfillmentOption {
	var best *acpclient.FulfillmentOption
	pick := func(keep func(*acpclient.FulfillmentOption) bool) {
		for i := range s.FulfillmentOptions {
			o := &s.FulfillmentOptions[i]
			if !keep(o) {
				continue
			}
			if best == nil || (o.HasTotal && (!best.HasTotal || o.Total < best.Total)) {
				best = o
			}
		}
	}
	pick(func(o *acpclient.FulfillmentOption) bool { return o.Type == "shipping" })
	if best == nil && len(s.SelectedFulfillmentOptionIDs) == 0 {
		pick(func(*acpclient.FulfillmentOption) bool { return true })
	}
	return best
}

// authenticationResult is a simulated 3-D Secure result: this agent has no
// issuer to talk to, so it reports the outcome it was told to.
func authenticationResult(outcome string) *acpclient.AuthenticationResult {
	r := &acpclient.AuthenticationResult{Outcome: outcome}
	switch outcome {
	case "authenticated", "informational", "attempt_acknowledged":
		eci := "05"
		if outcome == "attempt_acknowledged" {
			eci = "06"
		}
		r.OutcomeDetails = &acpclient.OutcomeDetails{
			ThreeDSCryptogram:           "AAABBEg0VhI0VniQEjRWAAAAAAA=",
			ElectronicCommerceIndicator: eci,
			TransactionID:               acpclient.NewUUID(),
			Version:                     "2.2.0",
		}
	}
	return r
}

// cardNumber strips spaces and dashes from a card number and checks that
// 12 to 19 digits remain.
func cardNumber(s string) (string, error) {
	n := strings.NewReplacer(" ", "", "-", "").Replace(s)
	if len(n) < 12 || len(n) > 19 || strings.ContainsFunc(n, func(r rune) bool { return r < '0' || r > '9' }) {
		return "", fmt.Errorf("%q is not a card number (12 to 19 digits)", s)
	}
	return n, nil
}
