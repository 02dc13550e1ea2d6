package bench

import "net/http"

// NoopHandler answers every request with 200 and a two-byte JSON body,
// doing nothing else. Served by `agentshop bench --serve-noop ADDR` in its
// own process, it is the ceiling that the noop scenario measures: the same
// client, connections and loopback as a real run, with no work behind them.
func NoopHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("{}"))
	})
}
