package wabi

// MetaError is an error as Meta's Graph API answered it, carried through wabi
// unchanged so that a client of a relayed number learns Meta's own number for
// it, such as 131047, even when wabi has no Code of its own for that number.
type MetaError struct {
	// Status is the HTTP status the upstream answered with.
	Status int `json:"status,omitempty"`
	// Code is Graph's error code, 131047.
	Code int `json:"code"`
	// Subcode is Graph's error_subcode; 0 when there is none.
	Subcode int `json:"subcode,omitempty"`
	// Type is Graph's error type, "OAuthException".
	Type string `json:"type,omitempty"`
	// Title is Meta's short text for the code, without the "(#code) " prefix:
	// "Re-engagement message".
	Title string `json:"title,omitempty"`
}
