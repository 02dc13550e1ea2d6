package webhook_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"agentshop/internal/commerce"
	"agentshop/internal/webhook"
)

// TestRedirectIsAFailedAttempt: an endpoint answering 3xx has not received
// the event. Go's client would follow a 302 with a body-less GET (whose
// 200 marked the event delivered) and re-post the signed body to whatever
// host a 307 names; the worker follows neither, counts the attempt as
// failed, retries it, dead-letters it at MaxAttempts, and says where the
// endpoint pointed.
func TestRedirectIsAFailedAttempt(t *testing.T) {
	for _, status := range []int{http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect, http.StatusMovedPermanently} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			var elsewhere atomic.Int32
			other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				elsewhere.Add(1)
				w.WriteHeader(http.StatusOK)
			}))
			t.Cleanup(other.Close)
			f := newFixture(t)
			// A Location of 1 KB with invalid UTF-8 in it (Go's client
			// refuses control characters in headers): the error keeps
			// neither.
			location := other.URL + "/steal?x=\xff" + strings.Repeat("a", 1000)
			f.recv.SetReply(func(_ int, w http.ResponseWriter) bool {
				w.Header()["Location"] = []string{location}
				w.WriteHeader(status)
				return true
			})
			_, events := f.order(t, commerce.EventOrderCreate)
			// The caller's client would follow redirects; the worker's
			// copy of it does not.
			w := f.worker(t, func(c *webhook.Config) {
				c.MaxAttempts = 2
				c.Client = &http.Client{Timeout: 5 * time.Second}
			})

			deliverDue(t, w, f.ctx, 1)
			e := f.event(t, events[0].ID)
			if e.Status != commerce.EventPending || e.Attempts != 1 || e.DeliveredAt != nil {
				t.Fatalf("after a %d: %+v, want pending after 1 failed attempt", status, e)
			}
			if !strings.Contains(e.LastError, fmt.Sprintf("answered %d", status)) || !strings.Contains(e.LastError, other.URL+"/steal?x=?aaa") {
				t.Errorf("LastError %q does not name the status and the (sanitised) Location", e.LastError)
			}
			if !utf8.ValidString(e.LastError) || len(e.LastError) > 800 {
				t.Errorf("LastError is not valid UTF-8 or is not truncated (%d bytes): %q", len(e.LastError), e.LastError)
			}
			f.clock.Advance(10 * time.Second)
			deliverDue(t, w, f.ctx, 1)
			if e := f.event(t, events[0].ID); e.Status != commerce.EventDead || e.Attempts != 2 {
				t.Fatalf("after %d redirects and MaxAttempts 2: %+v, want dead", status, e)
			}
			if n := elsewhere.Load(); n != 0 {
				t.Errorf("the redirect target got %d requests, want none", n)
			}
			if n := len(f.recv.Deliveries()); n != 2 {
				t.Errorf("the endpoint got %d requests, want 2 (two attempts)", n)
			}
		})
	}
}
