package acp20250929

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
		State: a.State, Country: a.Country, PostalCode: a.PostalCode}, nil
}

func wireAddress(a *commerce.Address) *address {
	if a == nil {
		return nil
	}
	return &address{Name: a.Name, LineOne: a.LineOne, LineTwo: a.LineTwo, City: a.City,
		State: a.State, Country: a.Country, PostalCode: a.PostalCode}
}

// buyer is Buyer, in requests and responses.
type buyer struct {
	FirstName   string `json:"first_name"`
	LastName    string `json:"last_name"`
	Email       string `json:"email"`
	PhoneNumber string `json:"phone_number,omitempty"`
}

func (b *buyer) domain() *commerce.Buyer {
	if b == nil {
		return nil
	}
	return &commerce.Buyer{FirstName: b.FirstName, LastName: b.LastName, Email: b.Email, PhoneNumber: b.PhoneNumber,
		FullName: strings.TrimSpace(b.FirstName + " " + b.LastName)}
}

// wireBuyer returns the buyer, or nil when the schema's required first
// name, last name and email are not all known. A full name alone is split
// at its last space.
func wireBuyer(b *commerce.Buyer) *buyer {
	if b == nil {
		return nil
	}
	first, last := b.FirstName, b.LastName
	if first == "" && last == "" {
		if i := strings.LastIndexByte(strings.TrimSpace(b.FullName), ' '); i > 0 {
			full := strings.TrimSpace(b.FullName)
			first, last = full[:i], strings.TrimSpace(full[i+1:])
		}
	}
	if first == "" || last == "" || b.Email == "" {
		return nil
	}
	return &buyer{FirstName: first, LastName: last, Email: b.Email, PhoneNumber: b.PhoneNumber}
}
