package fetch

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
)

// selfGuard returns a Guard that knows s as wabi's own listener.
func selfGuard(t *testing.T, s *server) *Guard {
	t.Helper()
	g, err := NewGuard([]net.Addr{s.Listener.Addr()}, "")
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestGuardRefusesWabiItself: no policy, however open, reaches wabi's own
// listener, by address, by another loopback address or by name.
func TestGuardRefusesWabiItself(t *testing.T) {
	t.Parallel()
	wabiSrv := mustServe(t, "127.0.0.1:0", body("control API"))
	other := mustServe(t, "127.0.0.1:0", body("a receiver"))
	g := selfGuard(t, wabiSrv)
	r := mustResolver(t, map[string]netip.Addr{"wabi.test": netip.MustParseAddr("127.0.0.1")})
	g.Resolver = r
	c := g.MustClient(Policy{Internal: true}, ClientOptions{})

	for _, u := range []string{
		wabiSrv.URL + "/api/tokens",
		"http://127.0.0.2:" + port(wabiSrv) + "/api/tokens",
		"http://[::1]:" + port(wabiSrv) + "/api/tokens",
		"http://wabi.test:" + port(wabiSrv) + "/api/tokens",
	} {
		resp, err := c.Get(u)
		if err == nil {
			resp.Body.Close()
			t.Fatalf("GET %s reached a server", u)
		}
		if _, ok := IsRefused(err); !ok || !strings.Contains(err.Error(), "wabi's own listener") {
			t.Errorf("GET %s: %v, want a refusal naming wabi's own listener", u, err)
		}
	}
	if n := wabiSrv.hits.Load(); n != 0 {
		t.Fatalf("wabi's listener was reached %d times", n)
	}
	// Another loopback port is a developer's receiver, and is reached.
	resp, err := c.Get(other.URL)
	if err != nil {
		t.Fatalf("GET a loopback receiver: %v", err)
	}
	resp.Body.Close()

	// The media fetcher refuses it even where loopback is allowed.
	f := &Fetcher{Allow: []string{"127.0.0.0/8"}, Guard: g}
	mustFail(t, f, wabiSrv.URL+"/api/tokens", 1<<20, "wabi's own listener")
	mustFetch(t, f, other.URL+"/a.jpg", 1<<20)
}

// TestGuardUnspecifiedListener: a listener on 0.0.0.0 is reached through any
// address of the machine on its port.
func TestGuardUnspecifiedListener(t *testing.T) {
	t.Parallel()
	g := &Guard{
		Self: []netip.AddrPort{netip.MustParseAddrPort("0.0.0.0:8080")},
		LocalAddrs: func() ([]net.Addr, error) {
			return []net.Addr{&net.IPNet{IP: net.ParseIP("192.168.7.7"), Mask: net.CIDRMask(24, 32)}}, nil
		},
	}
	p, _ := Policy{Internal: true}.parse()
	for _, c := range []struct {
		addr string
		self bool
	}{
		{"127.0.0.1:8080", true},
		{"192.168.7.7:8080", true},
		{"192.168.7.8:8080", false}, // another machine on the network
		{"192.168.7.7:9090", false}, // another port
	} {
		ap := netip.MustParseAddrPort(c.addr)
		err := g.check(context.Background(), p, "", ap.Addr(), ap.Port())
		if got := err != nil; got != c.self {
			t.Errorf("check(%s) = %v, want refused %v", c.addr, err, c.self)
		}
	}
}

// TestGuardNeverReaches: metadata, link-local and the like are refused under
// the most open policy, even when listed in Allow.
func TestGuardNeverReaches(t *testing.T) {
	t.Parallel()
	g := &Guard{}
	p, err := Policy{Internal: true, Allow: []string{"169.254.0.0/16", "100.64.0.0/10", "0.0.0.0/0"}}.parse()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"169.254.169.254", "169.254.1.1", "fe80::1", "100.100.100.200",
		"168.63.129.16", "fd00:ec2::254", "::ffff:169.254.169.254", "0.0.0.0", "224.0.0.1", "255.255.255.255"} {
		err := g.check(context.Background(), p, a, netip.MustParseAddr(a).Unmap(), 80)
		r, ok := IsRefused(err)
		if !ok || r.Env != "" || !strings.Contains(err.Error(), "never connects") {
			t.Errorf("check(%s) = %v, want a refusal nothing can lift", a, err)
		}
	}
	// The rest of the internal space follows the policy.
	for _, a := range []string{"10.1.2.3", "127.0.0.1", "192.168.1.1", "fd12::1", "100.64.1.1"} {
		if err := g.check(context.Background(), p, a, netip.MustParseAddr(a), 80); err != nil {
			t.Errorf("check(%s) under Internal = %v, want allowed", a, err)
		}
	}
	strict, _ := Policy{Env: "WABI_WEBHOOK_ALLOW"}.parse()
	if err := g.check(context.Background(), strict, "", netip.MustParseAddr("10.1.2.3"), 80); err == nil ||
		!strings.Contains(err.Error(), "10.1.2.3 is a private address; allow it with WABI_WEBHOOK_ALLOW") {
		t.Errorf("a private address under a public-only policy: %v", err)
	}
	if err := g.check(context.Background(), strict, "", netip.MustParseAddr("93.184.216.34"), 443); err != nil {
		t.Errorf("a public address: %v", err)
	}
}

// TestGuardSelfHost: the host of wabi's public URL is refused by name, before
// any lookup, whatever it resolves to.
func TestGuardSelfHost(t *testing.T) {
	t.Parallel()
	g, err := NewGuard(nil, "https://WABI.example.com/")
	if err != nil {
		t.Fatal(err)
	}
	c := g.MustClient(Policy{Internal: true}, ClientOptions{})
	req, _ := http.NewRequest("GET", "https://wabi.example.com:443/api/tokens", nil)
	_, err = c.Do(req)
	if _, ok := IsRefused(err); !ok || !strings.Contains(err.Error(), "host wabi.example.com is wabi's own address") {
		t.Fatalf("GET wabi's public URL: %v", err)
	}
}

// TestGuardClientIgnoresProxy: a proxy from the environment would make the
// proxy's address the one checked; guarded clients never use one.
func TestGuardClientIgnoresProxy(t *testing.T) {
	t.Setenv("HTTP_PROXY", "http://127.0.0.1:1")
	s := mustServe(t, "127.0.0.1:0", body("direct"))
	c := (&Guard{}).MustClient(Policy{Internal: true}, ClientOptions{Conns: 2})
	resp, err := c.Get(s.URL)
	if err != nil {
		t.Fatalf("GET through a guarded client with HTTP_PROXY set: %v", err)
	}
	resp.Body.Close()
	if s.hits.Load() != 1 {
		t.Fatal("the request did not reach the server directly")
	}
}
