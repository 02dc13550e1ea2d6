package acp20250929

import (
	"encoding/json"
	"fmt"
	"strings"

	"agentshop/internal/acp/acpjson"
	"agentshop/internal/commerce"
)

// createRequest is CheckoutSessionCreateRequest. fulfillment_option_id is
// not in the create schema but is accepted, as on update.
type createRequest struct {
	Items               json.RawMessage `json:"items"`
	Buyer               *buyer          `json:"buyer"`
	FulfillmentAddress  *address        `json:"fulfillment_address"`
	FulfillmentOptionID *string         `json:"fulfillment_option_id"`
}

// updateRequest is CheckoutSessionUpdateRequest.
type updateRequest createRequest

// completeRequest is CheckoutSessionCompleteRequest.
type completeRequest struct {
	Buyer       *buyer       `json:"buyer"`
	PaymentData *paymentData `json:"payment_data"`
}

// item is Item{id, quantity}; quantity is parsed by hand to accept 2.0.
type item struct {
	ID       *string         `json:"id"`
	Quantity json.RawMessage `json:"quantity"`
}

// paymentData is PaymentData. provider names the payment handler (by id
// or PSP; the core checks it is one the session offers).
type paymentData struct {
	Token          *string  `json:"token"`
	Provider       string   `json:"provider"`
	BillingAddress *address `json:"billing_address"`
}

// DecodeCreate decodes a create request. items is required and must not be
// empty.
func (c *Codec) DecodeCreate(body []byte) (commerce.CreateInput, error) {
	var r createRequest
	if err := acpjson.DecodeAt(body, "$", &r); err != nil {
		return commerce.CreateInput{}, err
	}
	if !acpjson.Present(r.Items) {
		return commerce.CreateInput{}, acpjson.Required("$.items")
	}
	lines, err := decodeItems(r.Items)
	if err != nil {
		return commerce.CreateInput{}, err
	}
	f, err := fulfillment(r.FulfillmentAddress)
	if err != nil {
		return commerce.CreateInput{}, err
	}
	in := commerce.CreateInput{Lines: lines, Buyer: r.Buyer.domain(), Fulfillment: f}
	if r.FulfillmentOptionID != nil {
		in.FulfillmentOptionID = *r.FulfillmentOptionID
	}
	return in, nil
}

// DecodeUpdate decodes an update request. Absent fields leave the session
// unchanged; items, when sent, replaces every line and must not be empty.
func (c *Codec) DecodeUpdate(body []byte) (commerce.UpdateInput, error) {
	var r updateRequest
	if err := acpjson.DecodeAt(body, "$", &r); err != nil {
		return commerce.UpdateInput{}, err
	}
	var in commerce.UpdateInput
	if acpjson.Present(r.Items) {
		lines, err := decodeItems(r.Items)
		if err != nil {
			return commerce.UpdateInput{}, err
		}
		in.Lines = lines
	}
	f, err := fulfillment(r.FulfillmentAddress)
	if err != nil {
		return commerce.UpdateInput{}, err
	}
	in.Fulfillment = f
	in.Buyer = r.Buyer.domain()
	in.FulfillmentOptionID = r.FulfillmentOptionID
	return in, nil
}

// DecodeComplete decodes a complete request. payment_data.token is
// required.
func (c *Codec) DecodeComplete(body []byte) (commerce.CompleteInput, error) {
	var r completeRequest
	if err := acpjson.DecodeAt(body, "$", &r); err != nil {
		return commerce.CompleteInput{}, err
	}
	if r.PaymentData == nil {
		return commerce.CompleteInput{}, acpjson.Required("$.payment_data")
	}
	token, err := acpjson.NonEmpty(r.PaymentData.Token, "$.payment_data.token")
	if err != nil {
		return commerce.CompleteInput{}, err
	}
	in := commerce.CompleteInput{Token: token, Buyer: r.Buyer.domain(), Payment: commerce.PaymentSelection{Provider: r.PaymentData.Provider}}
	if a := r.PaymentData.BillingAddress; a != nil {
		addr, err := a.domain("$.payment_data.billing_address")
		if err != nil {
			return commerce.CompleteInput{}, err
		}
		in.BillingAddress = &addr
	}
	return in, nil
}

// DecodeCancel accepts an empty body or any JSON object: 2025-09-29
// defines no cancel body, so its content is ignored.
func (c *Codec) DecodeCancel(body []byte) error {
	if strings.TrimSpace(string(body)) == "" {
		return nil
	}
	var v map[string]json.RawMessage
	return acpjson.DecodeAt(body, "$", &v)
}

func decodeItems(raw json.RawMessage) ([]commerce.LineInput, error) {
	elems, err := acpjson.Array(raw, "$.items")
	if err != nil {
		return nil, err
	}
	if len(elems) == 0 {
		return nil, commerce.Invalid("$.items", "At least one item is required.")
	}
	lines := make([]commerce.LineInput, 0, len(elems))
	for i, e := range elems {
		p := fmt.Sprintf("$.items[%d]", i)
		var it item
		if err := acpjson.DecodeAt(e, p, &it); err != nil {
			return nil, err
		}
		id, err := acpjson.NonEmpty(it.ID, p+".id")
		if err != nil {
			return nil, err
		}
		if !acpjson.Present(it.Quantity) {
			return nil, acpjson.Required(p + ".quantity")
		}
		q, err := acpjson.Quantity(it.Quantity, p+".quantity")
		if err != nil {
			return nil, err
		}
		lines = append(lines, commerce.LineInput{ItemID: id, Quantity: q})
	}
	return lines, nil
}

func fulfillment(a *address) (*commerce.FulfillmentInput, error) {
	if a == nil {
		return nil, nil
	}
	addr, err := a.domain("$.fulfillment_address")
	if err != nil {
		return nil, err
	}
	return &commerce.FulfillmentInput{Name: addr.Name, Address: &addr}, nil
}
