package fetch

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/netip"
	"strings"
	"testing"
)

// mustResolver returns a resolver that answers from names instead of asking
// a DNS server: its connections are in-memory pipes to a tiny responder, so a
// test can make any name resolve to a loopback address without traffic. A
// name that is not in names is NXDOMAIN.
func mustResolver(t *testing.T, names map[string]netip.Addr) *net.Resolver {
	t.Helper()
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
			client, server := net.Pipe()
			go serveDNS(server, names)
			return client, nil
		},
	}
}

// serveDNS answers length-prefixed DNS queries (the TCP framing, which the Go
// resolver uses on a connection that is not a PacketConn) until the client
// hangs up.
func serveDNS(c net.Conn, names map[string]netip.Addr) {
	defer c.Close()
	for {
		var n uint16
		if err := binary.Read(c, binary.BigEndian, &n); err != nil {
			return
		}
		q := make([]byte, n)
		if _, err := io.ReadFull(c, q); err != nil {
			return
		}
		resp := answerDNS(q, names)
		if resp == nil {
			return
		}
		out := binary.BigEndian.AppendUint16(nil, uint16(len(resp)))
		if _, err := c.Write(append(out, resp...)); err != nil {
			return
		}
	}
}

// answerDNS builds the response to one query: an A or AAAA record when the
// name has an address of that family, no records when it has the other, and
// NXDOMAIN when it is unknown.
func answerDNS(q []byte, names map[string]netip.Addr) []byte {
	if len(q) < 12 {
		return nil
	}
	// Walk the question's name labels.
	i := 12
	var labels []string
	for i < len(q) && q[i] != 0 {
		l := int(q[i])
		if i+1+l > len(q) {
			return nil
		}
		labels = append(labels, string(q[i+1:i+1+l]))
		i += 1 + l
	}
	i++ // the root label
	if i+4 > len(q) {
		return nil
	}
	qtype := binary.BigEndian.Uint16(q[i:])
	question := q[12 : i+4]
	name := strings.ToLower(strings.Join(labels, "."))

	addr, known := names[name]
	var rdata []byte
	switch {
	case known && qtype == 1 && addr.Is4():
		a := addr.As4()
		rdata = a[:]
	case known && qtype == 28 && addr.Is6():
		a := addr.As16()
		rdata = a[:]
	}
	flags := uint16(0x8180) // response, recursion desired and available
	if !known {
		flags |= 3 // NXDOMAIN
	}
	ancount := uint16(0)
	if rdata != nil {
		ancount = 1
	}
	resp := make([]byte, 0, 64)
	resp = append(resp, q[0], q[1]) // same id
	resp = binary.BigEndian.AppendUint16(resp, flags)
	resp = binary.BigEndian.AppendUint16(resp, 1)
	resp = binary.BigEndian.AppendUint16(resp, ancount)
	resp = binary.BigEndian.AppendUint16(resp, 0)
	resp = binary.BigEndian.AppendUint16(resp, 0)
	resp = append(resp, question...)
	if rdata != nil {
		resp = append(resp, 0xc0, 12) // the name, by pointer to the question
		resp = binary.BigEndian.AppendUint16(resp, qtype)
		resp = binary.BigEndian.AppendUint16(resp, 1) // class IN
		resp = binary.BigEndian.AppendUint32(resp, 60)
		resp = binary.BigEndian.AppendUint16(resp, uint16(len(rdata)))
		resp = append(resp, rdata...)
	}
	return resp
}

func TestFakeResolver(t *testing.T) {
	r := mustResolver(t, map[string]netip.Addr{"media.internal": netip.MustParseAddr("127.0.0.2")})
	ips, err := r.LookupNetIP(context.Background(), "ip", "Media.Internal")
	if err != nil || len(ips) != 1 || ips[0].Unmap() != netip.MustParseAddr("127.0.0.2") {
		t.Fatalf("lookup = %v, %v; want [127.0.0.2]", ips, err)
	}
	if _, err := r.LookupNetIP(context.Background(), "ip", "unknown.invalid"); err == nil {
		t.Fatal("lookup of an unknown name succeeded")
	}
}
