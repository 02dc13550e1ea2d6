// Package agent is agentshop's reference agent: it plays ChatGPT's role
// against any ACP merchant. [Buy] walks one checkout (create, address,
// shipping, delegate a test card, complete, 3-D Secure when asked) and
// prints each step; [ReceiveWebhooks] receives a merchant's order
// webhooks as an agent platform would. `agentshop agent` is its command
// line. It talks to merchants only over HTTP, through internal/acpclient;
// it must not import the stores, database/sql or internal/app. (It shares
// the sandbox's test-card list, ACP request signing, webhook signature
// checks and currency formatting with the merchant side.)
package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"agentshop/internal/acpclient"
	"agentshop/internal/payment/sandbox"
	"agentshop/internal/reqsign"
)

// BuyOptions say what [Buy] buys, where and how.
type BuyOptions struct {
	// Merchant is the merchant's ACP base URL.
	Merchant string
	// APIKey is the agent's API key at the merchant.
	APIKey string
	// SigningSecret, when set, signs each request (HMAC).
	SigningSecret string
	// Items are the item ids to buy, Quantity of each.
	Items    []string
	Quantity int
	// ShipTo is the shipping address; nil for a digital-only cart.
	ShipTo *acpclient.Address
	// Email is the buyer's, sent with the address and on complete.
	Email string
	// Version is the ACP API version to speak (acpclient.Versions).
	Version string
	// Currency is the 2026-04-17 session currency; "" asks discovery.
	Currency string
	// Card is the test card number, digits only (see [CardNumber]).
	Card string
	// MerchantID binds the delegated payment; "" takes the session's.
	MerchantID string
	// Auth3DS is the 3-D Secure outcome to report when asked; "none" stops.
	Auth3DS string
	// JSON prints the final session JSON on stdout, the steps on stderr.
	JSON bool
	// UserAgent is sent with every request.
	UserAgent string
}

// Validate checks o, naming the flags of `agent buy`, and normalises its
// card number.
func (o *BuyOptions) Validate() error {
	switch {
	case o.Merchant == "":
		return errors.New("agent buy: --merchant is required")
	case len(o.Items) == 0:
		return errors.New("agent buy: at least one --item is required")
	case o.Quantity < 1:
		return fmt.Errorf("agent buy: --quantity must be at least 1, not %d", o.Quantity)
	case !slices.Contains(acpclient.Versions, o.Version):
		return fmt.Errorf("agent buy: --api-version %q is not supported (use %s)", o.Version, strings.Join(acpclient.Versions, " or "))
	}
	card, err := CardNumber(o.Card)
	if err != nil {
		return fmt.Errorf("agent buy: --card: %w", err)
	}
	o.Card = card
	return nil
}

// TestCardHelp lists the sandbox's test cards, one per line, for help.
func TestCardHelp() string {
	var b strings.Builder
	for _, c := range sandbox.TestCards {
		fmt.Fprintf(&b, "  %s  %s\n", c.Number, c.Description)
	}
	return strings.TrimRight(b.String(), "\n")
}

// Buy runs one purchase, printing a line per step to stdout (to stderr
// with o.JSON, stdout then getting the final session). It returns an
// error unless the merchant completed the session with an order.
func Buy(ctx context.Context, o BuyOptions, stdout, stderr io.Writer) error {
	steps := stdout
	if o.JSON {
		steps = stderr
	}
	b := &buyer{
		opts: o,
		c:    acpclient.New(o.Merchant, o.APIKey, o.Version),
		out:  steps,
		now:  time.Now,
	}
	b.c.UserAgent = o.UserAgent
	if o.SigningSecret != "" {
		b.c.Sign = func(m reqsign.Message) string { return reqsign.Sign(o.SigningSecret, m) }
	}
	s, err := b.buy(ctx)
	if o.JSON && s != nil {
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
	opts BuyOptions
	c    *acpclient.Client
	out  io.Writer
	now  func() time.Time
}

// buy runs the flow and returns the last session seen (nil before create).
func (b *buyer) buy(ctx context.Context) (*acpclient.Session, error) {
	v := b.opts.Version
	currency := b.opts.Currency
	if v == acpclient.Version20260417 && currency == "" {
		currency = b.discover(ctx)
	}

	// 1. Create the session.
	items := make([]acpclient.ItemQuantity, len(b.opts.Items))
	for i, id := range b.opts.Items {
		items[i] = acpclient.ItemQuantity{ID: id, Quantity: b.opts.Quantity}
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
	if a := b.opts.ShipTo; a != nil {
		body, err := acpclient.NewUpdateRequest(v, acpclient.UpdateParams{Address: a, Email: b.opts.Email})
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
	merchantID := b.opts.MerchantID
	if merchantID == "" {
		merchantID = s.MerchantID()
	}
	if merchantID == "" && v == acpclient.Version20250929 {
		merchantID = b.merchantIDVia20260417(ctx, s)
	}
	if merchantID == "" {
		return s, errors.New("agent buy: the merchant declares no merchant_id for delegated payment (payment_provider.merchant_id or capabilities.payment.handlers[].config.merchant_id); pass --merchant-id")
	}
	now := b.now()
	expires := now.Add(15 * time.Minute)
	d, resp, err := b.c.DelegatePayment(ctx, acpclient.NewDelegatePaymentRequest(acpclient.CardDelegation{
		Number: b.opts.Card, ExpMonth: "12", ExpYear: strconv.Itoa(now.Year() + 3), CVC: "123",
		MaxAmount: total, Currency: s.Currency, CheckoutSessionID: s.ID, MerchantID: merchantID, ExpiresAt: expires,
	}))
	if err != nil {
		b.printf("→ %-18s %s\n", "delegate payment", failure(resp, err))
		return s, fmt.Errorf("agent buy: delegate payment: %w", err)
	}
	b.printf("→ %-18s %3d  %s  card •••• %s, up to %s, merchant %s, expires %s\n", "delegate payment", resp.Status, d.ID,
		b.opts.Card[len(b.opts.Card)-4:], money(total, s.Currency), merchantID, expires.UTC().Format("15:04 UTC"))

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
		outcome := b.opts.Auth3DS
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
	if !slices.Contains(d.Protocol.SupportedVersions, b.opts.Version) {
		note = "  (warning: " + b.opts.Version + " not listed)"
	}
	b.printf("→ %-18s %3d  acp %s, versions %s, services %s%s\n", "discovery", resp.Status,
		d.Protocol.Version, strings.Join(d.Protocol.SupportedVersions, ","), strings.Join(d.Capabilities.Services, ","), note)
	if len(d.Capabilities.SupportedCurrencies) > 0 {
		return strings.ToLower(d.Capabilities.SupportedCurrencies[0])
	}
	return "usd"
}

// merchantIDVia20260417 reads the merchant id from the 2026-04-17 view of
// the session (see [acpclient.Client.SessionMerchantID]) and reports it.
// It returns "" if that fails.
func (b *buyer) merchantIDVia20260417(ctx context.Context, s *acpclient.Session) string {
	mid, resp, err := b.c.SessionMerchantID(ctx, s)
	if err != nil {
		b.printf("→ %-18s %s\n", "merchant id", failure(resp, err))
		return ""
	}
	if mid != "" && resp != nil {
		b.printf("→ %-18s %3d  %s  (from the session's 2026-04-17 payment handler; 2025-09-29 does not carry it)\n", "merchant id", resp.Status, mid)
	}
	return mid
}

func (b *buyer) complete(ctx context.Context, s *acpclient.Session, p acpclient.CompleteParams, label string) (*acpclient.Session, error) {
	body, err := acpclient.NewCompleteRequest(b.opts.Version, p)
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
	if b.opts.Email == "" {
		return nil
	}
	by := &acpclient.Buyer{Email: b.opts.Email}
	if a := b.opts.ShipTo; a != nil {
		if first, last, ok := strings.Cut(strings.TrimSpace(a.Name), " "); ok {
			by.FirstName, by.LastName = first, strings.TrimSpace(last)
		}
	}
	if b.opts.Version == acpclient.Version20250929 && (by.FirstName == "" || by.LastName == "") {
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

// CardNumber strips spaces and dashes from a card number and checks that
// 12 to 19 digits remain.
func CardNumber(s string) (string, error) {
	n := strings.NewReplacer(" ", "", "-", "").Replace(s)
	if len(n) < 12 || len(n) > 19 || strings.ContainsFunc(n, func(r rune) bool { return r < '0' || r > '9' }) {
		return "", fmt.Errorf("%q is not a card number (12 to 19 digits)", s)
	}
	return n, nil
}
