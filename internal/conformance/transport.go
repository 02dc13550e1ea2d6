package conformance

import (
	"net/http"
	"strconv"
	"time"
)

// retry429 retries a request the merchant answered with 429 Too Many
// Requests, after its Retry-After (at most 5 s, three times), so a rate
// limit does not fail checks that have nothing to do with it. The retried
// request carries the same headers, Idempotency-Key included, so it is
// the same request to the merchant.
type retry429 struct {
	next http.RoundTripper
}

// withRetryOn429 returns a copy of hc whose transport retries 429s.
func withRetryOn429(hc *http.Client) *http.Client {
	cp := *hc
	next := cp.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	cp.Transport = retry429{next: next}
	return &cp
}

func (t retry429) RoundTrip(req *http.Request) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		resp, err := t.next.RoundTrip(req)
		if err != nil || resp.StatusCode != http.StatusTooManyRequests || attempt == 3 {
			return resp, err
		}
		if req.Body != nil && req.GetBody == nil {
			return resp, nil // cannot resend the body
		}
		wait := time.Second
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
			wait = min(time.Duration(s)*time.Second, 5*time.Second)
		}
		resp.Body.Close()
		select {
		case <-req.Context().Done():
			return nil, req.Context().Err()
		case <-time.After(wait):
		}
		if req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			req = req.Clone(req.Context())
			req.Body = body
		}
	}
}
