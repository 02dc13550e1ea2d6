package acp20260417

import (
	"strings"

	"agentshop/internal/acp/acpjson"
	"agentshop/internal/commerce"
)

// address is Address, in requests and responses. The schema requires
// state; requests may omit it (many countries have none) and responses
// send "" then.
type address struct {
	Name       string `json:"name"`
	LineOne    string `json:"line_one"`
	LineTwo    string `json:"line_two,omitempty"`
	City       string `json:"city"`
	State      string `json:"state"`
	Country    string `json:"country"`
	PostalCode string `json:"postal_code"`
	Company    string `json:"company,omitempty"`
}

// domain checks the fields shipping needs and returns the address.
func (a *address) domain(path string) (commerce.Address, error) {
	for _, f := range []struct{ name, v string }{
		{"name", a.Name}, {"line_one", a.LineOne}, {"city", a.City}, {"country", a.Country}, {"postal_code", a.PostalCode},
	} {
		if strings.TrimSpace(f.v) == "" {
			return commerce.Address{}, acpjson.Required(path + "." + f.name)
		}
	}
	return commerce.Address{Name: a.Name, LineOne: a.LineOne, LineTwo: a.LineTwo, City: a.City,
		State: a.State, Country: a.Country, PostalCode: a.PostalCode, Company: a.Company}, nil
}

func wireAddress(a *commerce.Address) *address {
	if a == nil {
		return nil
	}
	return &address{Name: a.Name, LineOne: a.LineOne, LineTwo: a.LineTwo, City: a.City,
		State: a.State, Country: a.Country, PostalCode: a.PostalCode, Company: a.Company}
}

// buyer is Buyer, in requests and responses (the fields agentshop keeps).
type buyer struct {
	FirstName   string `json:"first_name,omitempty"`
	LastName    string `json:"last_name,omitempty"`
	FullName    string `json:"full_name,omitempty"`
	Email       string `json:"email"`
	PhoneNumber string `json:"phone_number,omitempty"`
}

func (b *buyer) domain() *commerce.Buyer {
	if b == nil {
		return nil
	}
	full := b.FullName
	if full == "" {
		full = strings.TrimSpace(b.FirstName + " " + b.LastName)
	}
	return &commerce.Buyer{FirstName: b.FirstName, LastName: b.LastName, FullName: full, Email: b.Email, PhoneNumber: b.PhoneNumber}
}

// wireBuyer returns the buyer, or nil without an email (the schema
// requires one).
func wireBuyer(b *commerce.Buyer) *buyer {
	if b == nil || b.Email == "" {
		return nil
	}
	return &buyer{FirstName: b.FirstName, LastName: b.LastName, FullName: b.FullName, Email: b.Email, PhoneNumber: b.PhoneNumber}
}

// fulfillmentDetails is FulfillmentDetails.
type fulfillmentDetails struct {
	Name        string   `json:"name,omitempty"`
	PhoneNumber string   `json:"phone_number,omitempty"`
	Email       string   `json:"email,omitempty"`
	Address     *address `json:"address,omitempty"`
}

func (f *fulfillmentDetails) domain() (*commerce.FulfillmentInput, error) {
	if f == nil {
		return nil, nil
	}
	in := &commerce.FulfillmentInput{Name: f.Name, Email: f.Email, Phone: f.PhoneNumber}
	if f.Address != nil {
		a, err := f.Address.domain("$.fulfillment_details.address")
		if err != nil {
			return nil, err
		}
		in.Address = &a
	}
	return in, nil
}

func wireFulfillmentDetails(s *commerce.Session) *fulfillmentDetails {
	if s.ContactName == "" && s.ContactEmail == "" && s.ContactPhone == "" && s.Address == nil {
		return nil
	}
	return &fulfillmentDetails{Name: s.ContactName, PhoneNumber: s.ContactPhone, Email: s.ContactEmail, Address: wireAddress(s.Address)}
}
