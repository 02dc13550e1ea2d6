package acp20260417

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"agentshop/internal/acp/acpjson"
	"agentshop/internal/commerce"
)

// createRequest is CheckoutSessionCreateRequest (the fields agentshop
// reads). selected_fulfillment_options is not in the create schema but is
// accepted, as on update.
type createRequest struct {
	LineItems                  json.RawMessage     `json:"line_items"`
	Currency                   *string             `json:"currency"`
	Capabilities               *capabilitiesInput  `json:"capabilities"`
	Buyer                      *buyer              `json:"buyer"`
	FulfillmentDetails         *fulfillmentDetails `json:"fulfillment_details"`
	SelectedFulfillmentOptions json.RawMessage     `json:"selected_fulfillment_options"`
	Discounts                  *discountsInput     `json:"discounts"`
	Coupons                    *[]string           `json:"coupons"` // deprecated for discounts.codes
	Locale                     *string             `json:"locale"`
}

// updateRequest is CheckoutSessionUpdateRequest.
type updateRequest struct {
	LineItems                  json.RawMessage     `json:"line_items"`
	Buyer                      *buyer              `json:"buyer"`
	FulfillmentDetails         *fulfillmentDetails `json:"fulfillment_details"`
	SelectedFulfillmentOptions json.RawMessage     `json:"selected_fulfillment_options"`
	Discounts                  *discountsInput     `json:"discounts"`
	Coupons                    *[]string           `json:"coupons"`
}

// item is a request Item. name and unit_amount are not read: prices come
// from the catalog. quantity is spec bug #264's missing field.
type item struct {
	ID       *string         `json:"id"`
	Quantity json.RawMessage `json:"quantity"`
}

type capabilitiesInput struct {
	Interventions *struct {
		Supported []string `json:"supported"`
	} `json:"interventions"`
}

type discountsInput struct {
	Codes *[]string `json:"codes"`
}

type selectedOption struct {
	Type     string   `json:"type"`
	OptionID *string  `json:"option_id"`
	ItemIDs  []string `json:"item_ids"`
}

// interventionTypes are the InterventionCapabilities.supported values.
var interventionTypes = []string{"3ds", "biometric", "address_verification"}

// DecodeCreate decodes a create request. line_items (non-empty) and
// currency are required; capabilities is optional.
func (c *Codec) DecodeCreate(body []byte) (commerce.CreateInput, error) {
	var r createRequest
	if err := acpjson.DecodeAt(body, "$", &r); err != nil {
		return commerce.CreateInput{}, err
	}
	if !acpjson.Present(r.LineItems) {
		return commerce.CreateInput{}, acpjson.Required("$.line_items")
	}
	lines, err := decodeItems(r.LineItems)
	if err != nil {
		return commerce.CreateInput{}, err
	}
	if r.Currency != nil {
		*r.Currency = strings.TrimSpace(*r.Currency)
	}
	cur, err := acpjson.NonEmpty(r.Currency, "$.currency")
	if err != nil {
		return commerce.CreateInput{}, err
	}
	f, err := r.FulfillmentDetails.domain()
	if err != nil {
		return commerce.CreateInput{}, err
	}
	opt, err := selectedOptionID(r.SelectedFulfillmentOptions)
	if err != nil {
		return commerce.CreateInput{}, err
	}
	in := commerce.CreateInput{
		Lines:               lines,
		Currency:            strings.ToLower(cur),
		Buyer:               r.Buyer.domain(),
		Fulfillment:         f,
		FulfillmentOptionID: opt,
	}
	if r.Capabilities != nil && r.Capabilities.Interventions != nil {
		for _, s := range r.Capabilities.Interventions.Supported {
			// Unknown values are ignored, as the spec requires.
			if slices.Contains(interventionTypes, s) && !slices.Contains(in.Interventions, s) {
				in.Interventions = append(in.Interventions, s)
			}
		}
	}
	if codes := couponCodes(r.Discounts, r.Coupons); codes != nil {
		in.CouponCodes = *codes
	}
	if r.Locale != nil {
		in.Locale = *r.Locale
	}
	return in, nil
}

// DecodeUpdate decodes an update request. Absent fields leave the session
// unchanged; line_items, when sent, replaces every line and must not be
// empty.
func (c *Codec) DecodeUpdate(body []byte) (commerce.UpdateInput, error) {
	var r updateRequest
	if err := acpjson.DecodeAt(body, "$", &r); err != nil {
		return commerce.UpdateInput{}, err
	}
	var in commerce.UpdateInput
	if acpjson.Present(r.LineItems) {
		lines, err := decodeItems(r.LineItems)
		if err != nil {
			return commerce.UpdateInput{}, err
		}
		in.Lines = lines
	}
	f, err := r.FulfillmentDetails.domain()
	if err != nil {
		return commerce.UpdateInput{}, err
	}
	in.Fulfillment = f
	opt, err := selectedOptionID(r.SelectedFulfillmentOptions)
	if err != nil {
		return commerce.UpdateInput{}, err
	}
	if opt != "" {
		in.FulfillmentOptionID = &opt
	}
	in.Buyer = r.Buyer.domain()
	in.CouponCodes = couponCodes(r.Discounts, r.Coupons)
	return in, nil
}

func decodeItems(raw json.RawMessage) ([]commerce.LineInput, error) {
	elems, err := acpjson.Array(raw, "$.line_items")
	if err != nil {
		return nil, err
	}
	if len(elems) == 0 {
		return nil, commerce.Invalid("$.line_items", "At least one line item is required.")
	}
	lines := make([]commerce.LineInput, 0, len(elems))
	for i, e := range elems {
		p := fmt.Sprintf("$.line_items[%d]", i)
		var it item
		if err := acpjson.DecodeAt(e, p, &it); err != nil {
			return nil, err
		}
		id, err := acpjson.NonEmpty(it.ID, p+".id")
		if err != nil {
			return nil, err
		}
		q := int64(1)
		if acpjson.Present(it.Quantity) {
			if q, err = acpjson.Quantity(it.Quantity, p+".quantity"); err != nil {
				return nil, err
			}
		}
		lines = append(lines, commerce.LineInput{ItemID: id, Quantity: q})
	}
	return lines, nil
}

// selectedOptionID checks selected_fulfillment_options and returns the
// first option id ("" when none was sent). agentshop has one fulfillment
// per session, so later entries are checked but not used.
func selectedOptionID(raw json.RawMessage) (string, error) {
	if !acpjson.Present(raw) {
		return "", nil
	}
	elems, err := acpjson.Array(raw, "$.selected_fulfillment_options")
	if err != nil {
		return "", err
	}
	first := ""
	for i, e := range elems {
		p := fmt.Sprintf("$.selected_fulfillment_options[%d]", i)
		var o selectedOption
		if err := acpjson.DecodeAt(e, p, &o); err != nil {
			return "", err
		}
		id, err := acpjson.NonEmpty(o.OptionID, p+".option_id")
		if err != nil {
			return "", err
		}
		if i == 0 {
			first = id
		}
	}
	return first, nil
}

// couponCodes returns discounts.codes, else the deprecated coupons, else
// nil. A present but empty array is returned as a pointer to an empty
// slice: it clears the codes.
func couponCodes(d *discountsInput, coupons *[]string) *[]string {
	if d != nil && d.Codes != nil {
		return d.Codes
	}
	return coupons
}
