package acpclient

import "context"

// SessionMerchantID returns the merchant id to bind a delegated payment
// for session s to: the one s declares ([Session.MerchantID]), or, when c
// speaks an older version than 2026-04-17, the one in the 2026-04-17 view
// of the same session. The 2025-09-29 schema has no place for it
// (merchant_id came to payment_provider in 2026-01-16), so a merchant
// speaking both versions only declares it in its 2026-04-17 payment
// handlers. resp is the re-read's response (nil when none was needed);
// the id is "" when the merchant declares none.
func (c *Client) SessionMerchantID(ctx context.Context, s *Session) (id string, resp *Response, err error) {
	if id := s.MerchantID(); id != "" || c.Version == Version20260417 {
		return id, nil, nil
	}
	other := *c
	other.Version = Version20260417
	s2, resp, err := other.GetSession(ctx, s.ID)
	if err != nil {
		return "", resp, err
	}
	return s2.MerchantID(), resp, nil
}
