package fetch

import (
	"fmt"
	"net/netip"
	"strings"
)

// ipRange is a block of addresses that is not on the public internet.
type ipRange struct {
	prefix netip.Prefix
	class  string
}

// internalRanges returns the blocks a fetch refuses unless allowed. It is a
// function rather than a package variable so no state is shared between
// Fetchers; the cost is a few parses per fetch.
func internalRanges() []ipRange {
	r := func(cidr, class string) ipRange { return ipRange{netip.MustParsePrefix(cidr), class} }
	return []ipRange{
		r("0.0.0.0/8", "unspecified"),
		r("10.0.0.0/8", "private"),
		r("100.64.0.0/10", "carrier-grade NAT"),
		r("127.0.0.0/8", "loopback"),
		r("169.254.0.0/16", "link-local"), // includes the cloud metadata address
		r("172.16.0.0/12", "private"),
		r("192.0.0.0/24", "reserved"),
		r("192.0.2.0/24", "reserved"),
		r("192.168.0.0/16", "private"),
		r("198.18.0.0/15", "reserved"),
		r("198.51.100.0/24", "reserved"),
		r("203.0.113.0/24", "reserved"),
		r("224.0.0.0/4", "multicast"),
		r("255.255.255.255/32", "broadcast"),
		r("240.0.0.0/4", "reserved"),
		r("::/128", "unspecified"),
		r("::1/128", "loopback"),
		r("64:ff9b:1::/48", "private"), // local-use NAT64, RFC 8215
		r("100::/64", "reserved"),      // discard-only
		r("2001:db8::/32", "reserved"),
		r("fc00::/7", "private"),
		r("fe80::/10", "link-local"),
		r("fec0::/10", "private"), // deprecated site-local
		r("ff00::/8", "multicast"),
	}
}

// internalClass says what kind of internal address ip is ("loopback",
// "private", ...), or "" for a public address. IPv6 forms that carry an IPv4
// address (IPv4-mapped, IPv4-compatible, NAT64, 6to4, Teredo) are judged by
// the IPv4 address they lead to.
func internalClass(ip netip.Addr) string {
	ip = embeddedIPv4(ip.WithZone(""))
	for _, r := range internalRanges() {
		if r.prefix.Contains(ip) {
			return r.class
		}
	}
	return ""
}

// embeddedIPv4 returns the IPv4 address that an IPv6 address of one of the
// translation forms reaches, or ip itself.
func embeddedIPv4(ip netip.Addr) netip.Addr {
	if !ip.Is6() {
		return ip
	}
	if ip.Is4In6() {
		return ip.Unmap()
	}
	b := ip.As16()
	v4 := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{b[i], b[i+1], b[i+2], b[i+3]}) }
	switch {
	case netip.MustParsePrefix("64:ff9b::/96").Contains(ip):
		return v4(12)
	case netip.MustParsePrefix("2002::/16").Contains(ip):
		return v4(2)
	case netip.MustParsePrefix("2001::/32").Contains(ip):
		// Teredo stores the client's address with every bit inverted.
		return netip.AddrFrom4([4]byte{^b[12], ^b[13], ^b[14], ^b[15]})
	case netip.MustParsePrefix("::/96").Contains(ip) && ip != netip.IPv6Unspecified() && ip != netip.IPv6Loopback():
		// Deprecated IPv4-compatible form, ::a.b.c.d.
		return v4(12)
	}
	return ip
}

// allowList is a parsed Allow setting.
type allowList struct {
	prefixes []netip.Prefix
	hosts    []string // lower case, no trailing dot
}

// parseAllow parses Allow entries: CIDRs, single IP addresses and host names.
func parseAllow(entries []string) (allowList, error) {
	var a allowList
	for _, e := range entries {
		e = strings.TrimSpace(e)
		switch {
		case e == "":
			continue
		case strings.Contains(e, "/"):
			p, err := netip.ParsePrefix(e)
			if err != nil {
				return allowList{}, fmt.Errorf("fetch: allow entry %q is not a valid CIDR", e)
			}
			a.prefixes = append(a.prefixes, p.Masked())
		default:
			if ip, err := netip.ParseAddr(e); err == nil {
				ip = ip.WithZone("").Unmap()
				a.prefixes = append(a.prefixes, netip.PrefixFrom(ip, ip.BitLen()))
				continue
			}
			h := normalHost(e)
			if !validHost(h) {
				return allowList{}, fmt.Errorf("fetch: allow entry %q is neither a CIDR nor a host name", e)
			}
			a.hosts = append(a.hosts, h)
		}
	}
	return a, nil
}

// containsIP reports whether an allowed CIDR holds ip, in its IPv4 form if
// it has one so that "127.0.0.1/32" also covers ::ffff:127.0.0.1.
func (a allowList) containsIP(ip netip.Addr) bool {
	ip = ip.WithZone("")
	for _, p := range a.prefixes {
		if p.Contains(ip) || p.Contains(ip.Unmap()) || p.Contains(embeddedIPv4(ip)) {
			return true
		}
	}
	return false
}

// containsHost reports whether host (as normalHost returns it) is allowed by name.
func (a allowList) containsHost(host string) bool {
	for _, h := range a.hosts {
		if h == host {
			return true
		}
	}
	return false
}

// normalHost lower-cases a host name and drops the trailing dot of a fully
// qualified name, so "Media.Internal." matches an allow entry "media.internal".
func normalHost(h string) string {
	return strings.TrimSuffix(strings.ToLower(h), ".")
}

// validHost reports whether h is a plausible DNS host name. Underscores are
// accepted because container service names often have them.
func validHost(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' && c != '_' {
				return false
			}
		}
	}
	return true
}
