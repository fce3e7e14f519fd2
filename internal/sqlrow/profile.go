package sqlrow

import "github.com/wabihq/wabi/internal/wabi"

// ProfileCols select a number's profile from phone_numbers n LEFT JOIN
// profiles p, in the order of ScanProfile: a number without a profile row
// reads as an empty profile.
const ProfileCols = `n.id, coalesce(p.about, ''), coalesce(p.address, ''), coalesce(p.description, ''),
	coalesce(p.email, ''), coalesce(p.websites, '[]'), coalesce(p.vertical, ''), coalesce(p.picture_sha256, ''),
	coalesce(p.picture_mime_type, ''), coalesce(p.updated_at, 0)`

// ProfileInsertCols are the columns of a profiles row, in the order of
// ProfileArgs. Websites are a JSON list, never null.
const ProfileInsertCols = `phone_number_id, about, address, description, email, websites, vertical,
	picture_sha256, picture_mime_type, updated_at`

// ScanProfile reads a row of ProfileCols; a profile with no websites has nil
// Websites.
func ScanProfile(sc Scanner) (*wabi.BusinessProfile, error) {
	var p wabi.BusinessProfile
	var websites string
	var updated int64
	if err := sc.Scan(&p.PhoneNumberID, &p.About, &p.Address, &p.Description, &p.Email, &websites, &p.Vertical,
		&p.PictureSHA256, &p.PictureMimeType, &updated); err != nil {
		return nil, err
	}
	p.UpdatedAt = FromNanos(updated)
	if err := FromJSON(websites, &p.Websites); err != nil {
		return nil, err
	}
	if len(p.Websites) == 0 {
		p.Websites = nil
	}
	return &p, nil
}

// ProfileArgs returns the values of ProfileInsertCols.
func ProfileArgs(p *wabi.BusinessProfile) ([]any, error) {
	websites := p.Websites
	if websites == nil {
		websites = []string{}
	}
	ws, err := ToJSON(websites)
	if err != nil {
		return nil, err
	}
	return []any{p.PhoneNumberID, p.About, p.Address, p.Description, p.Email, ws, p.Vertical, p.PictureSHA256,
		p.PictureMimeType, Nanos(p.UpdatedAt)}, nil
}
