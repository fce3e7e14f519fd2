package fetch

import (
	"net/netip"
	"strings"
	"testing"
)

// The classifier is tested on its own so no traffic ever goes to these
// addresses.
func TestInternalClass(t *testing.T) {
	for _, tc := range []struct {
		ip    string
		class string
	}{
		{"10.1.2.3", "private"},
		{"172.16.0.1", "private"},
		{"172.31.255.255", "private"},
		{"192.168.1.1", "private"},
		{"169.254.169.254", "link-local"}, // cloud metadata
		{"100.64.0.1", "carrier-grade NAT"},
		{"127.0.0.1", "loopback"},
		{"127.8.9.10", "loopback"},
		{"0.0.0.0", "unspecified"},
		{"0.1.2.3", "unspecified"},
		{"224.0.0.1", "multicast"},
		{"255.255.255.255", "broadcast"},
		{"240.0.0.1", "reserved"},
		{"::1", "loopback"},
		{"::", "unspecified"},
		{"fe80::1", "link-local"},
		{"fe80::1%eth0", "link-local"},
		{"fc00::1", "private"},
		{"fd12:3456::1", "private"},
		{"ff02::1", "multicast"},
		{"::ffff:127.0.0.1", "loopback"},
		{"::ffff:10.0.0.1", "private"},
		{"::ffff:169.254.169.254", "link-local"},
		{"::127.0.0.1", "loopback"},                          // IPv4-compatible
		{"64:ff9b::7f00:1", "loopback"},                      // NAT64 of 127.0.0.1
		{"64:ff9b::a9fe:a9fe", "link-local"},                 // NAT64 of 169.254.169.254
		{"64:ff9b:1::1", "private"},                          // local-use NAT64
		{"2002:7f00:1::", "loopback"},                        // 6to4 of 127.0.0.1
		{"2002:c0a8:101::1", "private"},                      // 6to4 of 192.168.1.1
		{"2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback"}, // Teredo client 127.0.0.1

		{"8.8.8.8", ""},
		{"93.184.216.34", ""},
		{"172.32.0.1", ""},
		{"100.128.0.1", ""},
		{"2606:4700:4700::1111", ""},
		{"::ffff:8.8.8.8", ""},
		{"64:ff9b::808:808", ""}, // NAT64 of 8.8.8.8
		{"2002:808:808::1", ""},  // 6to4 of 8.8.8.8
	} {
		ip := netip.MustParseAddr(tc.ip)
		if got := internalClass(ip); got != tc.class {
			t.Errorf("internalClass(%s) = %q, want %q", tc.ip, got, tc.class)
		}
	}
}

func TestAllowList(t *testing.T) {
	a, err := parseAllow([]string{"10.0.0.0/8", "127.0.0.1", "fd00::/8", "Media.Internal.", "minio_1"})
	if err != nil {
		t.Fatalf("parseAllow: %v", err)
	}
	for _, tc := range []struct {
		ip   string
		want bool
	}{
		{"10.9.8.7", true},
		{"::ffff:10.9.8.7", true},
		{"127.0.0.1", true},
		{"127.0.0.2", false},
		{"fd00::5", true},
		{"fc00::5", false},
		{"192.168.0.1", false},
	} {
		if got := a.containsIP(netip.MustParseAddr(tc.ip)); got != tc.want {
			t.Errorf("allows %s = %v, want %v", tc.ip, got, tc.want)
		}
	}
	for _, tc := range []struct {
		host string
		want bool
	}{
		{"media.internal", true},
		{normalHost("MEDIA.internal."), true},
		{"minio_1", true},
		{"other.internal", false},
		{"internal", false},
	} {
		if got := a.containsHost(tc.host); got != tc.want {
			t.Errorf("allows host %s = %v, want %v", tc.host, got, tc.want)
		}
	}
}

func TestParseAllow(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    []string
		wantErr string
	}{
		{"", nil, ""},
		{"  , ", nil, ""},
		{"10.0.0.0/8", []string{"10.0.0.0/8"}, ""},
		{"10.0.0.0/8,127.0.0.1/32 media.internal,\tfd00::/8", []string{"10.0.0.0/8", "127.0.0.1/32", "media.internal", "fd00::/8"}, ""},
		{"10.0.0.0/33", nil, `"10.0.0.0/33"`},
		{"10.0.0.0/8, not a host!", nil, `"host!"`},
		{"media.internal,-bad.example", nil, `"-bad.example"`},
		{"http://media.internal", nil, `"http://media.internal"`},
	} {
		got, err := ParseAllow(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseAllow(%q) error %v, want one naming %s", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("ParseAllow(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestNewValidates(t *testing.T) {
	if _, err := New([]string{"127.0.0.1/32", "localhost"}); err != nil {
		t.Fatalf("New with good entries: %v", err)
	}
	_, err := New([]string{"127.0.0.1/32", "300.1.1.1/8"})
	if err == nil || !strings.Contains(err.Error(), "300.1.1.1/8") {
		t.Fatalf("New with a bad CIDR: %v, want an error naming it", err)
	}
	_, err = New([]string{"exa mple"})
	if err == nil || !strings.Contains(err.Error(), "exa mple") {
		t.Fatalf("New with a bad host: %v, want an error naming it", err)
	}
}
