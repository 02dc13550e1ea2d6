package commerce

import "time"

// Status is a checkout session's state. Each wire codec maps it onto the
// statuses its version documents.
type Status string

// Session statuses. NotReady and Ready are derived from the session's
// contents on every read; the others are stored.
const (
	StatusNotReady     Status = "not_ready_for_payment"
	StatusReady        Status = "ready_for_payment"
	StatusAuthRequired Status = "authentication_required" // 3DS challenge pending
	StatusCompleted    Status = "completed"
	StatusCanceled     Status = "canceled"
	StatusExpired      Status = "expired"
)

// Terminal reports whether no further change is possible.
func (s Status) Terminal() bool {
	return s == StatusCompleted || s == StatusCanceled || s == StatusExpired
}

// Session is the stored state of a checkout session: what the agent asked
// for. Prices, options and totals are not stored; they are computed from the
// catalog by [Pricer.Quote] on every read, so they are always authoritative.
type Session struct {
	ID       string
	Status   Status // stored part of the status: "" (open), AuthRequired or a terminal status
	Currency Currency
	Lines    []Line
	Buyer    *Buyer
	// Address is where physical items ship.
	Address *Address
	// Contact details that came with the fulfillment details.
	ContactName, ContactEmail, ContactPhone string
	// FulfillmentOptionID is the selected option; "" selects the default.
	FulfillmentOptionID string
	// CouponCodes are the discount codes the agent asked for, upper-cased.
	CouponCodes []string
	// Interventions the agent supports (2026-04-17 capabilities), e.g. "3ds".
	Interventions []string
	Locale        string
	// Mode is the payment mode, fixed at create: the session offers the
	// enabled payment handlers of this mode, and only they can pay it.
	// Empty on sessions created before sessions had a mode: the default.
	Mode Mode
	// PaymentMessage is the outcome of the last failed payment attempt
	// (declined, 3DS required), shown until the next change.
	PaymentMessage *Message
	// Auth3DS is the pending 3DS challenge while Status is AuthRequired.
	Auth3DS *Challenge
	OrderID string
	// APIKeyID is the agent key that created the session.
	APIKeyID string
	// Owner is who may reach the session through [Service.For]: an opaque
	// string chosen by the surface that created it ("key:<api key id>"
	// for an agent's API key, "app:…" for the ChatGPT App). It never
	// changes.
	Owner     string
	CreatedAt time.Time
	UpdatedAt time.Time
	ExpiresAt time.Time
	// Version increments on every stored change.
	Version int64
}

// Line is one requested item and quantity.
type Line struct {
	ID       string // stable line item id, "li_…"
	ItemID   string
	Quantity int64
}

// Address is a postal address.
type Address struct {
	Name       string
	LineOne    string
	LineTwo    string
	City       string
	State      string // region / state code, e.g. "CA"
	Country    string // ISO 3166-1 alpha-2, upper case
	PostalCode string
	Company    string
}

// Buyer is who pays.
type Buyer struct {
	FirstName   string
	LastName    string
	FullName    string
	Email       string
	PhoneNumber string
}

// Challenge is a pending 3DS authentication.
type Challenge struct {
	PaymentID string // the attempt that asked for it
	Token     string // the unredeemed payment token, re-presented with the result
	Provider  string
	// Handler is the payment handler that asked ("" before handlers had
	// ids): the result goes back to it.
	Handler string
	// DirectoryServer is the card network's 3DS directory (visa, mastercard, …).
	DirectoryServer string
	// Reference is the provider's authentication reference.
	Reference string
}

// Message is a business message shown with a session: ACP messages[].
type Message struct {
	Type    MessageType
	Code    string // error/warning code, e.g. "missing", "out_of_stock"
	Param   string // JSONPath into the session, in 2026-04-17 names
	Content string // plain text
}

// MessageType is info, warning or error.
type MessageType string

// Message types.
const (
	MessageInfo    MessageType = "info"
	MessageWarning MessageType = "warning"
	MessageError   MessageType = "error"
)

// Message codes the core emits. Codecs map codes their version lacks.
const (
	CodeMissing          = "missing"
	CodeInvalid          = "invalid"
	CodeOutOfStock       = "out_of_stock"
	CodeQuantityExceeded = "quantity_exceeded"
	CodePaymentDeclined  = "payment_declined"
	CodeRequires3DS      = "requires_3ds"
	CodeLowStock         = "low_stock"
	CodeCouponInvalid    = "discount_code_invalid"
	CodeCouponMinimum    = "discount_code_minimum_not_met"
)
