package ratelimit

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ClientAddr returns the address that per-client limits count r against.
//
// Without behindProxy it is the host of r.RemoteAddr: every forwarding
// header is ignored, since anyone can send one. With behindProxy (the
// server's --behind-proxy) it is the last address of the last
// X-Forwarded-For header: the one the proxy in front of the server
// appended. Earlier entries came from the client and can be forged, so
// they are never used. When the header is missing or not an address,
// the remote address is used.
//
// IPv6 addresses count by their /64, the block one subscriber usually
// gets, so that one client cannot get a fresh bucket per address.
func ClientAddr(r *http.Request, behindProxy bool) string {
	if behindProxy {
		if vs := r.Header.Values("X-Forwarded-For"); len(vs) > 0 {
			last := vs[len(vs)-1]
			if i := strings.LastIndexByte(last, ','); i >= 0 {
				last = last[i+1:]
			}
			if a, err := netip.ParseAddr(strings.TrimSpace(last)); err == nil {
				return clientKey(a)
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return clientKey(a)
	}
	return host
}

func clientKey(a netip.Addr) string {
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, _ := a.WithZone("").Prefix(64)
	return p.String()
}
