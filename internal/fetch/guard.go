package fetch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Guard is the one gate every outbound request of wabi passes: media links,
// webhook deliveries and callback handshakes of both dialects. Its clients
// check each address where the connection is made, after name resolution and
// on every redirect, so neither a name that resolves somewhere else later nor
// a redirect gets past it.
//
// Some places are never reached whatever a policy says: wabi's own listeners
// (a tenant must not be able to read the control API, which is open on
// loopback, through a webhook handshake), link-local addresses with the cloud
// metadata services in them, the other well-known metadata addresses, and
// unspecified, multicast and broadcast addresses. Loopback and private
// networks are reached only where the Policy says so.
//
// The zero Guard is usable: it knows no listener of wabi's. A Guard must not
// change once its clients are in use.
type Guard struct {
	// Self lists the addresses wabi listens on. An unspecified address
	// (0.0.0.0 or ::) stands for every address of this machine on that port.
	// Default none.
	Self []netip.AddrPort
	// SelfHosts lists host:port pairs that reach wabi by name, such as the
	// host of its public URL, refused before any lookup. Default none.
	SelfHosts []string
	// Resolver resolves host names. Default net.DefaultResolver.
	Resolver *net.Resolver
	// LocalAddrs returns this machine's interface addresses, to tell whether
	// an address reaches a listener on an unspecified address. Default
	// net.InterfaceAddrs.
	LocalAddrs func() ([]net.Addr, error)
}

// Policy says which internal addresses one kind of outbound request may
// reach, beyond the public internet. It never opens what the Guard always
// refuses.
type Policy struct {
	// Internal allows loopback, private and other non-public addresses.
	Internal bool
	// Allow lists internal addresses that are allowed although Internal is
	// false, in the form ParseAllow reads. A host entry also allows the
	// addresses that name resolves to.
	Allow []string
	// Env names the setting that changes this policy, for refusals.
	Env string
}

// RefusedError is the error of a connection the Guard would not make. Its
// message names the address and why, never anything a remote host sent.
type RefusedError struct {
	// Host is the host name or address literal that was asked for.
	Host string
	// Addr is the refused address.
	Addr netip.Addr
	// Reason says why, for example "wabi's own listener" or "a link-local
	// address".
	Reason string
	// Env is the setting that would allow it, or "" if nothing does.
	Env string
}

func (e *RefusedError) Error() string {
	// A name's resolved address is not repeated: what a name resolves to
	// inside wabi's network is not the caller's business.
	target := e.Addr.String()
	if _, err := netip.ParseAddr(e.Host); err != nil && e.Host != "" {
		target = "host " + e.Host
		if e.Addr.IsValid() {
			target += " resolves to"
		} else {
			target += " is"
		}
	} else {
		target += " is"
	}
	if e.Env != "" {
		return fmt.Sprintf("%s %s; allow it with %s", target, e.Reason, e.Env)
	}
	return fmt.Sprintf("%s %s, which wabi never connects to", target, e.Reason)
}

// neverRanges are refused under every policy: the cloud providers'
// metadata services outside link-local space, besides the classes that
// never are.
func neverRanges() []netip.Prefix {
	return []netip.Prefix{
		netip.MustParsePrefix("100.100.100.200/32"), // Alibaba Cloud metadata
		netip.MustParsePrefix("168.63.129.16/32"),   // Azure wire server
		netip.MustParsePrefix("192.0.0.192/32"),     // Oracle Cloud metadata
		netip.MustParsePrefix("fd00:ec2::254/128"),  // AWS metadata over IPv6
	}
}

// neverClass says why ip is refused under every policy, or "".
func neverClass(ip netip.Addr) string {
	for _, p := range neverRanges() {
		if p.Contains(ip) {
			return "a cloud metadata address"
		}
	}
	switch c := internalClass(ip); c {
	case "link-local", "unspecified", "multicast", "broadcast":
		return article(c) + " address"
	}
	return ""
}

// check decides whether ip:port may be dialled for host under allow: nil,
// or a *RefusedError.
func (g *Guard) check(ctx context.Context, p *policy, host string, ip netip.Addr, port uint16) error {
	refuse := func(reason, env string) error {
		return &RefusedError{Host: host, Addr: ip, Reason: reason, Env: env}
	}
	if r := neverClass(ip); r != "" {
		return refuse(r, "")
	}
	if g.isSelf(ip, port) {
		return refuse("wabi's own listener", "")
	}
	class := internalClass(ip)
	if class == "" || p.internal {
		return nil
	}
	if p.allow.containsHost(normalHost(host)) || p.allow.containsIP(ip) || g.allowedByHostEntry(ctx, p, ip) {
		return nil
	}
	return refuse(article(class)+" address", p.env)
}

// isSelf reports whether ip:port reaches one of wabi's listeners.
func (g *Guard) isSelf(ip netip.Addr, port uint16) bool {
	ip = embeddedIPv4(ip)
	for _, s := range g.Self {
		if s.Port() != port {
			continue
		}
		a := s.Addr().Unmap()
		switch {
		case a == ip:
			return true
		case a.IsLoopback() && ip.IsLoopback():
			// Any loopback address on the port: 127.0.0.2 and localhost's ::1
			// are too close to the listener to tell apart safely.
			return true
		case a.IsUnspecified() && (ip.IsLoopback() || g.isLocal(ip)):
			return true
		}
	}
	return false
}

// isLocal reports whether ip is an address of this machine. Failing to list
// the interfaces counts every address as local, so the listener stays safe.
func (g *Guard) isLocal(ip netip.Addr) bool {
	list := g.LocalAddrs
	if list == nil {
		list = net.InterfaceAddrs
	}
	addrs, err := list()
	if err != nil {
		return true
	}
	for _, a := range addrs {
		var s string
		switch v := a.(type) {
		case *net.IPNet:
			s = v.IP.String()
		case *net.IPAddr:
			s = v.IP.String()
		default:
			s = a.String()
		}
		if x, err := netip.ParseAddr(s); err == nil && x.WithZone("").Unmap() == ip {
			return true
		}
	}
	return false
}

// isSelfHost reports whether host:port names wabi itself.
func (g *Guard) isSelfHost(host, port string) bool {
	hp := net.JoinHostPort(normalHost(host), port)
	for _, s := range g.SelfHosts {
		if strings.EqualFold(s, hp) {
			return true
		}
	}
	return false
}

// allowedByHostEntry reports whether ip is an address of a host named in the
// policy's Allow. The names are resolved only when an internal address needs it.
func (g *Guard) allowedByHostEntry(ctx context.Context, p *policy, ip netip.Addr) bool {
	for _, h := range p.allow.hosts {
		addrs, err := g.resolver().LookupNetIP(ctx, "ip", h)
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if a.WithZone("").Unmap() == ip {
				return true
			}
		}
	}
	return false
}

func (g *Guard) resolver() *net.Resolver {
	if g.Resolver != nil {
		return g.Resolver
	}
	return net.DefaultResolver
}

// policy is a Policy with its Allow parsed.
type policy struct {
	internal bool
	allow    allowList
	env      string
}

func (p Policy) parse() (*policy, error) {
	a, err := parseAllow(p.Allow)
	if err != nil {
		return nil, err
	}
	return &policy{internal: p.Internal, allow: a, env: p.Env}, nil
}

// dialer resolves, checks and dials under one policy; it is the only way an
// outbound request reaches the network.
type dialer struct {
	g      *Guard
	p      *policy
	dialer net.Dialer
}

// Dialer returns a DialContext for http.Transport that connects only where
// the Guard and p allow, or an error if p's Allow does not parse.
func (g *Guard) Dialer(p Policy) (func(ctx context.Context, network, addr string) (net.Conn, error), error) {
	pp, err := p.parse()
	if err != nil {
		return nil, err
	}
	d := &dialer{g: g, p: pp, dialer: net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}}
	return d.dialContext, nil
}

func (d *dialer) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("%s is not a valid address", addr)
	}
	portN, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("%s is not a valid address", addr)
	}
	if d.g.isSelfHost(host, port) {
		return nil, &RefusedError{Host: host, Reason: "wabi's own address", Addr: netip.Addr{}}
	}
	ips, err := d.resolve(ctx, network, host)
	if err != nil {
		return nil, err
	}
	var ok []netip.Addr
	var refused error
	for _, ip := range ips {
		if err := d.g.check(ctx, d.p, host, ip, uint16(portN)); err != nil {
			if refused == nil {
				refused = err
			}
			continue
		}
		ok = append(ok, ip)
	}
	if len(ok) == 0 {
		return nil, refused
	}
	var last error
	for _, ip := range ok {
		c, err := d.dialer.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
		if err == nil {
			return c, nil
		}
		last = err
	}
	return nil, last
}

// resolve returns the addresses of host, which may be an address literal,
// in their plain form (IPv4 unmapped, no zone).
func (d *dialer) resolve(ctx context.Context, network, host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip.WithZone("").Unmap()}, nil
	}
	ipNet := "ip"
	switch network {
	case "tcp4":
		ipNet = "ip4"
	case "tcp6":
		ipNet = "ip6"
	}
	ips, err := d.g.resolver().LookupNetIP(ctx, ipNet, host)
	if err != nil || len(ips) == 0 {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	for i, ip := range ips {
		ips[i] = ip.WithZone("").Unmap()
	}
	return ips, nil
}

// ClientOptions shape a client from Client.
type ClientOptions struct {
	// Conns caps the connections per host, idle ones kept alive up to it.
	// Zero or less disables keep-alive.
	Conns int
	// Timeout bounds each request, body included. Default 20s.
	Timeout time.Duration
	// FollowRedirects follows up to 5 redirects, each checked; by default a
	// redirect is an answer, as webhook receivers get at Meta.
	FollowRedirects bool
}

// Client returns an HTTP client whose every connection passes the Guard
// under p. It never uses a proxy from the environment, which would make the
// proxy's address the one checked. It fails only if p's Allow does not parse.
func (g *Guard) Client(p Policy, o ClientOptions) (*http.Client, error) {
	dial, err := g.Dialer(p)
	if err != nil {
		return nil, err
	}
	if o.Timeout <= 0 {
		o.Timeout = 20 * time.Second
	}
	t := &http.Transport{
		Proxy:                 nil,
		DialContext:           dial,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: o.Timeout,
		ExpectContinueTimeout: time.Second,
		IdleConnTimeout:       90 * time.Second,
	}
	if o.Conns > 0 {
		t.MaxIdleConns = 4 * o.Conns
		t.MaxIdleConnsPerHost = o.Conns
		t.MaxConnsPerHost = o.Conns
	} else {
		t.DisableKeepAlives = true
	}
	c := &http.Client{Transport: t, Timeout: o.Timeout}
	if !o.FollowRedirects {
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	return c, nil
}

// MustClient is Client for a Policy without Allow entries, which cannot fail.
func (g *Guard) MustClient(p Policy, o ClientOptions) *http.Client {
	c, err := g.Client(p, o)
	if err != nil {
		panic(err)
	}
	return c
}

// NewGuard returns a Guard that refuses wabi's own listeners at addrs and,
// when publicURL is set, the host and port it names.
func NewGuard(addrs []net.Addr, publicURL string) (*Guard, error) {
	g := &Guard{}
	for _, a := range addrs {
		ap, err := netip.ParseAddrPort(a.String())
		if err != nil {
			return nil, fmt.Errorf("fetch: listener address %s: %w", a, err)
		}
		g.Self = append(g.Self, netip.AddrPortFrom(ap.Addr().WithZone("").Unmap(), ap.Port()))
	}
	if publicURL != "" {
		u, err := url.Parse(publicURL)
		if err != nil || u.Hostname() == "" {
			return nil, fmt.Errorf("fetch: public URL %q has no host", publicURL)
		}
		port := u.Port()
		if port == "" {
			port = "80"
			if u.Scheme == "https" {
				port = "443"
			}
		}
		g.SelfHosts = append(g.SelfHosts, net.JoinHostPort(normalHost(u.Hostname()), port))
	}
	return g, nil
}

// IsRefused reports whether err comes from a connection the Guard refused.
func IsRefused(err error) (*RefusedError, bool) {
	var r *RefusedError
	ok := errors.As(err, &r)
	return r, ok
}
