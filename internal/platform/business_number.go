package platform

import (
	"context"
	"strings"

	"github.com/wabihq/wabi/internal/wabi"
)

// BusinessNumberID returns the id of the business phone number that ref names:
// its id, or the number itself in any format ("+1 555-000-1000",
// "15550001000"), as a consumer dials it. A number belongs to one business at
// most: adding it twice is refused. ENotFound says to give the id.
func (p *Platform) BusinessNumberID(ctx context.Context, ref string) (string, error) {
	_, err := p.PhoneNumber(ctx, Admin, ref)
	if wabi.ErrorCode(err) != wabi.ENotFound {
		return ref, err
	}
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, ref)
	all, err := p.store.PhoneNumbers(ctx, "")
	if err != nil {
		return "", err
	}
	for _, pn := range all {
		if digits != "" && pn.DisplayPhoneNumber == digits {
			return pn.ID, nil
		}
	}
	return "", wabi.Errorf(wabi.ENotFound, "No business phone number has the id or the number %s: give its phone number id in to, as GET /api/phone_numbers lists them.", ref)
}
