package wabi

import "time"

// Networks a business number can be on.
const (
	// NetworkSim is the simulated network of virtual phones: the default.
	NetworkSim = "sim"
	// NetworkRelay is an upstream Graph-compatible Cloud API (Meta's, or
	// another wabi) that carries the number's real traffic.
	NetworkRelay = "relay"
)

// RelayConfig puts a business number on the relay: its sends go to an
// upstream Cloud API as the upstream's number UpstreamNumberID, and the
// upstream's webhooks for that number come back to wabi, which fans them out
// to the apps subscribed in wabi. AccessToken, AppSecret and VerifyToken are
// secrets: the store keeps them sealed, and nothing shows them.
type RelayConfig struct {
	// PhoneNumberID is wabi's business number.
	PhoneNumberID string `json:"phone_number_id"`
	// BaseURL is the upstream's Graph root, "https://graph.facebook.com".
	BaseURL string `json:"base_url"`
	// APIVersion is the Graph version of upstream calls, "v23.0".
	APIVersion string `json:"api_version"`
	// UpstreamNumberID is the number's id at the upstream.
	UpstreamNumberID string `json:"upstream_phone_number_id"`
	// UpstreamWABAID is the upstream WABA of the number, for its templates;
	// "" when templates stay local.
	UpstreamWABAID string `json:"upstream_waba_id,omitempty"`
	// AccessToken is the upstream's system-user token for the number.
	AccessToken string `json:"-"`
	// AppSecret is the upstream app's secret, which signs its webhooks.
	AppSecret string `json:"-"`
	// VerifyToken is what the upstream sends in its webhook handshake.
	VerifyToken string    `json:"-"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// RelayExchange is one exchange between wabi and a relayed number's upstream,
// kept for the operator to see: a call wabi made (Direction "out") or a
// webhook the upstream posted (Direction "in"). Bodies and headers are kept
// with secrets redacted and cut to a few KiB.
type RelayExchange struct {
	ID            string        `json:"id"`
	PhoneNumberID string        `json:"phone_number_id"`
	Direction     string        `json:"direction"`
	At            time.Time     `json:"at"`
	Method        string        `json:"method"`
	URL           string        `json:"url"`
	Status        int           `json:"status,omitempty"`
	Latency       time.Duration `json:"latency"`
	Request       string        `json:"request,omitempty"`
	Response      string        `json:"response,omitempty"`
	Error         string        `json:"error,omitempty"`
}
