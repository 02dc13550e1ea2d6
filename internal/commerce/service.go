package commerce

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Service runs checkout sessions. Its methods are safe for concurrent use.
type Service struct {
	Store  Store
	Pricer *Pricer
	// Payments holds the payment providers: the default one charges new
	// attempts; an attempt's later calls go to the one it recorded.
	Payments *Payments
	Logger   *slog.Logger
	// Now returns the current time; tests replace it.
	Now func() time.Time
	// SessionTTL is how long an open session lives (default 24 h).
	SessionTTL time.Duration
	// PaymentLease bounds how long a claimed payment attempt is held by the
	// request that claimed it before a retry may re-drive it (default 30 s).
	PaymentLease time.Duration
	// MaxQuantity caps the quantity of one line (default 100).
	MaxQuantity int64
	// OrderEvents, when set, puts an order_create event in the outbox with
	// every new order, in the order's transaction, for the webhook worker
	// (internal/webhook) to deliver. Set it when an endpoint is configured.
	OrderEvents bool
	// SkipTestOrderEvents, when set, queues no events for test orders
	// ([Order.Mode]): their webhooks have no destination, and a test
	// order's never go to the live one.
	SkipTestOrderEvents bool
	// EventsQueued, when set, is called after a transaction that put
	// events in the outbox has committed: it wakes the delivery worker
	// instead of leaving the events to its next poll. It must not block.
	EventsQueued func()
	// Observe, when set, is told each complete's outcome: "succeeded",
	// "declined", "requires_3ds" or "error", and the provider call time.
	Observe func(outcome string, providerTime time.Duration)
	// ObserveOrderChange, when set, is told how each RefundOrder and
	// CancelOrder was answered (observe.go). It must not block.
	ObserveOrderChange func(change OrderChange, outcome string)
	// ObservePayment, when set, is told of each payment charged, once its
	// order is committed: the provider that charged and the facilitator
	// that presented the credential (nil when the provider reports none).
	// It must not block.
	ObservePayment func(provider string, facilitator *Facilitator)
	// ObservePaymentEvent, when set, is told each provider event
	// ApplyPaymentEvent answered without error, with what it did. It must
	// not block.
	ObservePaymentEvent func(ev PaymentEvent, out EventOutcome)
}

// LineInput is a requested item.
type LineInput struct {
	ItemID   string
	Quantity int64
}

// FulfillmentInput is where and to whom to deliver.
type FulfillmentInput struct {
	Name, Email, Phone string
	Address            *Address
}

// CreateInput creates a session.
type CreateInput struct {
	Lines               []LineInput
	Currency            string // optional; must be the shop's currency
	Buyer               *Buyer
	Fulfillment         *FulfillmentInput
	FulfillmentOptionID string
	CouponCodes         []string
	Interventions       []string
	Locale              string
	APIKeyID            string
	// Owner is recorded as [Session.Owner]; [Owned.Create] sets it.
	Owner string
	// Mode is the session's payment mode; empty: the default
	// ([Payments.DefaultMode]). A mode with no enabled handler is EINVALID.
	Mode Mode
}

// UpdateInput changes a session. Nil fields are left unchanged.
type UpdateInput struct {
	Lines               []LineInput // nil: unchanged; replaces all lines otherwise
	Buyer               *Buyer
	Fulfillment         *FulfillmentInput
	FulfillmentOptionID *string
	CouponCodes         *[]string // replaces the set; empty clears
}

// CompleteInput pays for a session.
type CompleteInput struct {
	Token          string
	Buyer          *Buyer
	BillingAddress *Address
	Authentication *AuthenticationResult
	// Payment names the payment handler to charge through; empty: the
	// default handler of the session's mode.
	Payment PaymentSelection
	// Expect, when set, is what the payer was shown: the session is
	// charged only while it still matches, checked in the claim's
	// transaction ([Expectation]).
	Expect *Expectation
}

// View is a session as a client sees it: stored state, computed quote,
// effective status, messages and, once completed, the order.
type View struct {
	Session  *Session
	Status   Status
	Quote    *Quote
	Messages []Message
	Order    *Order
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// idEncoding is base32 in lower case, whose order matches byte order.
var idEncoding = base32.NewEncoding("0123456789abcdefghijklmnopqrstuv").WithPadding(base32.NoPadding)

// NewID returns prefix + "_" + 26 base32 characters: 48 bits of
// millisecond time, then 80 random bits. The time prefix makes new ids
// sort after old ones, so inserts land at the end of each index instead of
// all over it; the random part keeps ids unguessable (order ids are also
// the order page's URL).
func NewID(prefix string) string {
	var b [16]byte
	ms := uint64(time.Now().UnixMilli())
	for i := range 6 {
		b[i] = byte(ms >> (40 - 8*i))
	}
	_, _ = rand.Read(b[6:])
	return prefix + "_" + idEncoding.EncodeToString(b[:])
}

// Create validates in and creates a session. Business problems (unknown
// items, stock) are messages on the returned view; malformed input is an
// EINVALID *Error and creates nothing.
func (s *Service) Create(ctx context.Context, in CreateInput, hooks *TxHooks[*View]) (*View, error) {
	if len(in.Lines) == 0 {
		return nil, Invalid("$.line_items", "At least one line item is required.")
	}
	if in.Currency != "" {
		c, err := ParseCurrency(in.Currency)
		if err != nil {
			return nil, Invalid("$.currency", "Unknown currency %q.", in.Currency)
		}
		if c != s.Pricer.Catalog.Currency() {
			return nil, Invalid("$.currency", "This shop sells in %s, not %s.", strings.ToUpper(string(s.Pricer.Catalog.Currency())), strings.ToUpper(string(c)))
		}
	}
	if err := tooLong("$.locale", in.Locale, MaxLocaleLen); err != nil {
		return nil, err
	}
	mode := in.Mode
	if mode == "" {
		mode = s.Payments.DefaultMode()
	}
	if _, ok := s.Payments.DefaultHandler(mode); !ok && s.Payments != nil {
		return nil, Invalid("$", "This shop takes no %s payments.", mode)
	}
	now := s.now()
	sess := &Session{
		ID:            NewID("cs"),
		Currency:      s.Pricer.Catalog.Currency(),
		Interventions: in.Interventions,
		Locale:        in.Locale,
		APIKeyID:      in.APIKeyID,
		Owner:         in.Owner,
		Mode:          mode,
		CreatedAt:     now,
		UpdatedAt:     now,
		ExpiresAt:     now.Add(s.ttl()),
		Version:       1,
	}
	up := UpdateInput{Lines: in.Lines, Buyer: in.Buyer, Fulfillment: in.Fulfillment}
	if in.FulfillmentOptionID != "" {
		up.FulfillmentOptionID = &in.FulfillmentOptionID
	}
	if in.CouponCodes != nil {
		up.CouponCodes = &in.CouponCodes
	}
	if err := s.apply(sess, up); err != nil {
		return nil, err
	}
	var v *View
	err := s.Store.InTx(ctx, func(tx Executor) error {
		if err := hooks.begin(ctx, tx); err != nil {
			return err
		}
		if err := tx.CreateSession(ctx, sess); err != nil {
			return fmt.Errorf("create session: %w", err)
		}
		var err error
		if v, err = s.view(ctx, tx, sess, now); err != nil {
			return err
		}
		return hooks.commit(ctx, tx, v)
	})
	if err != nil {
		return nil, err
	}
	hooks.begun()
	return v, nil
}

// Get returns the session with id; ENOTFOUND if there is none. It is not
// scoped to an owner: agent surfaces use [Owned.Get].
func (s *Service) Get(ctx context.Context, id string) (*View, error) {
	return s.get(ctx, access{}, id)
}

func (s *Service) get(ctx context.Context, a access, id string) (*View, error) {
	sess, err := s.Store.GetSession(ctx, id)
	if err != nil {
		return nil, notFound(err, id)
	}
	if !a.reaches(sess) {
		return nil, notFound(ErrNotFound, id)
	}
	return s.view(ctx, s.Store, sess, s.now())
}

// Update changes an open session. ENOTFOUND for an unknown id; ECONFLICT
// when the session is completed, canceled or expired. It is not scoped to
// an owner: agent surfaces use [Owned.Update].
func (s *Service) Update(ctx context.Context, id string, in UpdateInput, hooks *TxHooks[*View]) (*View, error) {
	return s.update(ctx, access{}, id, in, hooks)
}

func (s *Service) update(ctx context.Context, a access, id string, in UpdateInput, hooks *TxHooks[*View]) (*View, error) {
	now := s.now()
	var v *View
	err := s.Store.InTx(ctx, func(tx Executor) error {
		if err := hooks.begin(ctx, tx); err != nil {
			return err
		}
		sess, payments, err := lockFor(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if st := effectiveStored(sess, now); st.Terminal() {
			return &Error{Code: ECONFLICT, Reason: "session_" + string(st), Message: fmt.Sprintf("The checkout session is %s and can no longer change.", st)}
		}
		if p := activePayment(payments); p != nil && p.Status == PaymentPending {
			return &Error{Code: EINPROGRESS, Message: "A payment for this session is in progress; retry shortly."}
		}
		if err := s.apply(sess, in); err != nil {
			return err
		}
		// Any change invalidates a pending 3DS challenge and old payment news.
		sess.PaymentMessage = nil
		if sess.Status == StatusAuthRequired {
			sess.Status = ""
			sess.Auth3DS = nil
		}
		sess.UpdatedAt = now
		sess.Version++
		if err := tx.UpdateSession(ctx, sess); err != nil {
			return fmt.Errorf("update session: %w", err)
		}
		if v, err = s.view(ctx, tx, sess, now); err != nil {
			return err
		}
		return hooks.commit(ctx, tx, v)
	})
	if err != nil {
		return nil, err
	}
	hooks.begun()
	return v, nil
}

// Cancel cancels an open session. ENOTALLOWED when it is already completed
// or canceled (ACP answers 405); ENOTFOUND for an unknown id. It is not
// scoped to an owner: agent surfaces use [Owned.Cancel].
func (s *Service) Cancel(ctx context.Context, id string, hooks *TxHooks[*View]) (*View, error) {
	return s.cancel(ctx, access{}, id, hooks)
}

func (s *Service) cancel(ctx context.Context, a access, id string, hooks *TxHooks[*View]) (*View, error) {
	now := s.now()
	var v *View
	err := s.Store.InTx(ctx, func(tx Executor) error {
		if err := hooks.begin(ctx, tx); err != nil {
			return err
		}
		sess, payments, err := lockFor(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if st := effectiveStored(sess, now); st.Terminal() {
			return &Error{Code: ENOTALLOWED, Reason: "session_" + string(st), Message: fmt.Sprintf("The checkout session is %s and cannot be canceled.", st)}
		}
		if activePayment(payments) != nil {
			return &Error{Code: EINPROGRESS, Message: "A payment for this session is in progress."}
		}
		sess.Status = StatusCanceled
		sess.Auth3DS = nil
		sess.UpdatedAt = now
		sess.Version++
		if err := tx.UpdateSession(ctx, sess); err != nil {
			return fmt.Errorf("cancel session: %w", err)
		}
		if v, err = s.view(ctx, tx, sess, now); err != nil {
			return err
		}
		return hooks.commit(ctx, tx, v)
	})
	if err != nil {
		return nil, err
	}
	hooks.begun()
	return v, nil
}

func (s *Service) ttl() time.Duration {
	if s.SessionTTL > 0 {
		return s.SessionTTL
	}
	return 24 * time.Hour
}

func (s *Service) maxQuantity() int64 {
	if s.MaxQuantity > 0 {
		return s.MaxQuantity
	}
	return 100
}

// apply validates in and applies it to sess. It returns EINVALID errors
// with a JSONPath param for malformed input, and changes nothing then.
func (s *Service) apply(sess *Session, in UpdateInput) error {
	if err := in.validateLengths(); err != nil {
		return err
	}
	next := *sess
	if in.Lines != nil {
		if len(in.Lines) == 0 {
			return Invalid("$.line_items", "At least one line item is required.")
		}
		lines := make([]Line, 0, len(in.Lines))
		seen := map[string]int{}
		for i, l := range in.Lines {
			p := fmt.Sprintf("$.line_items[%d]", i)
			if strings.TrimSpace(l.ItemID) == "" {
				return Invalid(p+".id", "Item id is required.")
			}
			if l.Quantity < 1 {
				return Invalid(p+".quantity", "Quantity must be a whole number of at least 1.")
			}
			if l.Quantity > s.maxQuantity() {
				return Invalid(p+".quantity", "Quantity may be at most %d.", s.maxQuantity())
			}
			if j, dup := seen[l.ItemID]; dup {
				// The same item twice is one line with the summed quantity,
				// and the cap applies to the sum: three lines of 100 are
				// not a way around a cap of 100.
				if lines[j].Quantity+l.Quantity > s.maxQuantity() {
					return Invalid(p+".quantity", "Quantity of item %s may be at most %d in all, counting its other lines.", l.ItemID, s.maxQuantity())
				}
				lines[j].Quantity += l.Quantity
				continue
			}
			seen[l.ItemID] = len(lines)
			id := fmt.Sprintf("li_%d", len(lines)+1)
			lines = append(lines, Line{ID: id, ItemID: l.ItemID, Quantity: l.Quantity})
		}
		next.Lines = lines
	}
	if in.Buyer != nil {
		b := *in.Buyer
		if b.Email != "" && !plausibleEmail(b.Email) {
			return Invalid("$.buyer.email", "%q is not an email address.", b.Email)
		}
		next.Buyer = &b
	}
	if f := in.Fulfillment; f != nil {
		if f.Address != nil {
			a, err := normalizeAddress(*f.Address)
			if err != nil {
				return err
			}
			next.Address = &a
		}
		if f.Email != "" && !plausibleEmail(f.Email) {
			return Invalid("$.fulfillment_details.email", "%q is not an email address.", f.Email)
		}
		next.ContactName, next.ContactEmail, next.ContactPhone = f.Name, f.Email, f.Phone
	}
	if in.FulfillmentOptionID != nil {
		next.FulfillmentOptionID = *in.FulfillmentOptionID
	}
	if in.CouponCodes != nil {
		codes := []string{}
		for _, c := range *in.CouponCodes {
			c = strings.ToUpper(strings.TrimSpace(c))
			if c != "" && !contains(codes, c) {
				codes = append(codes, c)
			}
		}
		next.CouponCodes = codes
	}
	*sess = next
	return nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func plausibleEmail(s string) bool {
	at := strings.LastIndexByte(s, '@')
	return at > 0 && at < len(s)-1 && !strings.ContainsAny(s, " \t\r\n")
}

func normalizeAddress(a Address) (Address, error) {
	const p = "$.fulfillment_details.address"
	a.Country = strings.ToUpper(strings.TrimSpace(a.Country))
	a.State = strings.ToUpper(strings.TrimSpace(a.State))
	for _, f := range []struct{ name, v string }{
		{"name", a.Name}, {"line_one", a.LineOne}, {"city", a.City}, {"country", a.Country}, {"postal_code", a.PostalCode},
	} {
		if strings.TrimSpace(f.v) == "" {
			return a, Invalid(p+"."+f.name, "Address %s is required.", strings.ReplaceAll(f.name, "_", " "))
		}
	}
	if len(a.Country) != 2 {
		return a, Invalid(p+".country", "Country must be an ISO 3166-1 alpha-2 code such as US.")
	}
	return a, nil
}

// effectiveStored is the stored status with expiry applied.
func effectiveStored(sess *Session, now time.Time) Status {
	if !sess.Status.Terminal() && !sess.ExpiresAt.IsZero() && !now.Before(sess.ExpiresAt) {
		return StatusExpired
	}
	return sess.Status
}

// view prices sess with the stock levels in q and derives its status and
// messages.
func (s *Service) view(ctx context.Context, q Executor, sess *Session, now time.Time) (*View, error) {
	ids := make([]string, 0, len(sess.Lines))
	for _, l := range sess.Lines {
		ids = append(ids, l.ItemID)
	}
	stock, err := q.StockLevels(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("stock levels: %w", err)
	}
	return s.viewWithStock(ctx, q, sess, now, stock)
}

// viewWithStock is view with the given stock levels; a nil map prices as
// if every item were in stock.
func (s *Service) viewWithStock(ctx context.Context, q Executor, sess *Session, now time.Time, stock map[string]int64) (*View, error) {
	v := &View{Session: sess}
	if sess.OrderID != "" {
		o, err := q.GetOrder(ctx, sess.OrderID)
		if err != nil {
			return nil, fmt.Errorf("get order %s: %w", sess.OrderID, err)
		}
		v.Order = o
	}
	st := effectiveStored(sess, now)
	if st == StatusCompleted && v.Order != nil {
		// A completed session shows what was charged, not today's prices.
		v.Quote = orderQuote(v.Order)
		v.Status = st
		return v, nil
	}
	v.Quote = s.Pricer.Quote(sess, stock, now)
	v.Messages = append(v.Messages, v.Quote.Messages...)
	if sess.PaymentMessage != nil {
		v.Messages = append(v.Messages, *sess.PaymentMessage)
	}
	switch {
	case st != "":
		v.Status = st
	case v.Quote.Missing || v.Quote.Blocked:
		v.Status = StatusNotReady
	default:
		v.Status = StatusReady
	}
	return v, nil
}

// orderQuote rebuilds the quote of a completed session from its order.
func orderQuote(o *Order) *Quote {
	q := &Quote{Lines: o.Lines, Totals: o.Totals, Applied: o.Applied}
	if o.Fulfillment != nil {
		f := *o.Fulfillment
		q.Options = []FulfillmentOption{f}
		q.Selected = &q.Options[0]
		q.NeedsShipping = f.Kind == FulfillmentShipping
	}
	return q
}

func notFound(err error, id string) error {
	if errors.Is(err, ErrNotFound) {
		return &Error{Code: ENOTFOUND, Message: fmt.Sprintf("No checkout session %q.", id), Err: err}
	}
	return fmt.Errorf("get session %s: %w", id, err)
}

// activePayment returns the pending or succeeded attempt among a
// session's attempts, or nil.
func activePayment(ps []*Payment) *Payment {
	for _, p := range ps {
		if p.Status.Active() {
			return p
		}
	}
	return nil
}
