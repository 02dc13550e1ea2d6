package commerce

import (
	"fmt"
	"unicode/utf8"
)

// Length limits on the free text a client can make the shop store, in
// characters (Unicode code points, as JSON Schema's maxLength counts).
// Where the ACP schemas give one (the Address of delegate_payment in both
// versions: name 256, line_one and line_two 60, city 60, postal_code 20)
// it is used; the others are agentshop's and documented in the README.
// They are checked here, in the domain, so that every surface (both ACP
// versions on REST and /acp/mcp, the ChatGPT App and the hosted page)
// refuses the same input with the same JSONPath param (2026-04-17
// request paths; each codec rewrites them into its own).
const (
	MaxNameLen        = 256 // address, contact and buyer names (ACP Address.name)
	MaxAddressLineLen = 60  // address line_one, line_two, city (ACP)
	MaxStateLen       = 60  // address state (ours: ACP gives none; as city)
	MaxPostalCodeLen  = 20  // address postal_code (ACP)
	MaxEmailLen       = 254 // RFC 5321's longest usable address
	MaxPhoneLen       = 32  // E.164 is 15 digits; room for formatting
	MaxIDLen          = 256 // item and fulfillment option ids
	MaxCouponLen      = 64  // one coupon code
	MaxCoupons        = 20  // coupon codes per session
	MaxLines          = 100 // line items per request (before merging duplicates)
	MaxLocaleLen      = 35  // RFC 5646 §4.4.1: tags up to 35 characters
	MaxTokenLen       = 1024
)

// tooLong returns an EINVALID error at param when v is over max
// characters, nil otherwise.
func tooLong(param, v string, max int) error {
	if len(v) <= max || utf8.RuneCountInString(v) <= max {
		return nil
	}
	return Invalid(param, "At most %d characters.", max)
}

// checkLengths checks the lengths of in's free text; each of checks is
// a param, its value and its limit.
func checkLengths(checks ...lengthCheck) error {
	for _, c := range checks {
		if err := tooLong(c.param, c.v, c.max); err != nil {
			return err
		}
	}
	return nil
}

type lengthCheck struct {
	param, v string
	max      int
}

func addressLengths(p string, a *Address) []lengthCheck {
	if a == nil {
		return nil
	}
	return []lengthCheck{
		{p + ".name", a.Name, MaxNameLen},
		{p + ".line_one", a.LineOne, MaxAddressLineLen},
		{p + ".line_two", a.LineTwo, MaxAddressLineLen},
		{p + ".city", a.City, MaxAddressLineLen},
		{p + ".state", a.State, MaxStateLen},
		{p + ".postal_code", a.PostalCode, MaxPostalCodeLen},
	}
}

func buyerLengths(p string, b *Buyer) []lengthCheck {
	if b == nil {
		return nil
	}
	return []lengthCheck{
		{p + ".first_name", b.FirstName, MaxNameLen},
		{p + ".last_name", b.LastName, MaxNameLen},
		{p + ".full_name", b.FullName, MaxNameLen},
		{p + ".email", b.Email, MaxEmailLen},
		{p + ".phone_number", b.PhoneNumber, MaxPhoneLen},
	}
}

// validateLengths checks the free text of an update (and of a create,
// which applies one).
func (in UpdateInput) validateLengths() error {
	if len(in.Lines) > MaxLines {
		return Invalid("$.line_items", "At most %d line items.", MaxLines)
	}
	var cs []lengthCheck
	for i, l := range in.Lines {
		cs = append(cs, lengthCheck{fmt.Sprintf("$.line_items[%d].id", i), l.ItemID, MaxIDLen})
	}
	cs = append(cs, buyerLengths("$.buyer", in.Buyer)...)
	if f := in.Fulfillment; f != nil {
		cs = append(cs,
			lengthCheck{"$.fulfillment_details.name", f.Name, MaxNameLen},
			lengthCheck{"$.fulfillment_details.email", f.Email, MaxEmailLen},
			lengthCheck{"$.fulfillment_details.phone_number", f.Phone, MaxPhoneLen})
		cs = append(cs, addressLengths("$.fulfillment_details.address", f.Address)...)
	}
	if in.FulfillmentOptionID != nil {
		cs = append(cs, lengthCheck{"$.selected_fulfillment_options[0].option_id", *in.FulfillmentOptionID, MaxIDLen})
	}
	if in.CouponCodes != nil {
		if len(*in.CouponCodes) > MaxCoupons {
			return Invalid("$.discounts.codes", "At most %d discount codes.", MaxCoupons)
		}
		for i, c := range *in.CouponCodes {
			cs = append(cs, lengthCheck{fmt.Sprintf("$.discounts.codes[%d]", i), c, MaxCouponLen})
		}
	}
	return checkLengths(cs...)
}

// validateLengths checks the free text of a complete.
func (in CompleteInput) validateLengths() error {
	cs := []lengthCheck{{"$.payment_data.token", in.Token, MaxTokenLen}}
	cs = append(cs, buyerLengths("$.buyer", in.Buyer)...)
	cs = append(cs, addressLengths("$.payment_data.billing_address", in.BillingAddress)...)
	return checkLengths(cs...)
}
