package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

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

// ServeNoop serves [NoopHandler] on addr until ctx ends, after printing
// its URL to stdout.
func ServeNoop(ctx context.Context, addr string, stdout io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: NoopHandler(), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "noop server on http://%s\n", ln.Addr())
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
