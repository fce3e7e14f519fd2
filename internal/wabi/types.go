package wabi

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Float is a number that may arrive as a JSON number or as a numeric string (the
// Cloud API's own schema types coordinates as strings; its examples use numbers).
// It always encodes as a number.
type Float float64

// UnmarshalJSON accepts 1.5 and "1.5".
func (f *Float) UnmarshalJSON(b []byte) error {
	s := string(b)
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return fmt.Errorf("not a number: %s", b)
	}
	*f = Float(v)
	return nil
}

// F returns a pointer to a Float, for literals.
func F(v float64) *Float { f := Float(v); return &f }

// Duration is a time.Duration that encodes as a Go duration string ("1.5s") and
// decodes from one or from a number of milliseconds.
type Duration time.Duration

// MarshalJSON encodes the duration as a string such as "1.5s".
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON accepts "250ms", "2s" or 250 (milliseconds).
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var ms float64
		if err := json.Unmarshal(b, &ms); err != nil {
			return fmt.Errorf("duration must be a string like \"2s\" or milliseconds: %s", b)
		}
		*d = Duration(ms * float64(time.Millisecond))
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("invalid duration %q", s)
	}
	*d = Duration(v)
	return nil
}
