package platform

import (
	"context"

	"github.com/wabihq/wabi/internal/wabi"
)

// mediaRef is one media object in a message, with the message type it is sent as.
type mediaRef struct {
	media *wabi.Media
	as    wabi.Type
}

// mediaRefs lists every media object of a message: the media of a media message,
// an interactive message's header media, and a template's header parameters.
func mediaRefs(m *wabi.Message) []mediaRef {
	var refs []mediaRef
	add := func(md *wabi.Media, as wabi.Type) {
		if md != nil {
			refs = append(refs, mediaRef{md, as})
		}
	}
	add(m.MediaOf(m.Type), m.Type)
	if in := m.Interactive; in != nil && in.Header != nil {
		add(in.Header.Image, wabi.TypeImage)
		add(in.Header.Video, wabi.TypeVideo)
		add(in.Header.Document, wabi.TypeDocument)
	}
	if t := m.Template; t != nil {
		for _, c := range t.Components {
			for _, prm := range c.Parameters {
				add(prm.Image, wabi.TypeImage)
				add(prm.Video, wabi.TypeVideo)
				add(prm.Document, wabi.TypeDocument)
			}
		}
	}
	return refs
}

// resolveOutboundMedia checks every media object of an outbound message and fills
// in what wabi knows of it. A media id must be the number's own and fit the
// message type, or the send fails at once (131009). A link is fetched (or taken
// from the link cache); a link that cannot be fetched, or holds the wrong kind of
// file, fails the message asynchronously (131053), as at Meta.
func (p *Platform) resolveOutboundMedia(ctx context.Context, pn *wabi.PhoneNumber, m *wabi.Message) (*wabi.Error, error) {
	for _, r := range mediaRefs(m) {
		if r.media.ID != "" {
			mf, err := p.ownMedia(ctx, pn, r.media.ID)
			if err != nil {
				return nil, err
			}
			if err := MediaFits(r.as, mf.MimeType); err != nil {
				return nil, err
			}
			fill(r.media, mf, r.as)
			continue
		}
		if r.media.Link == "" {
			continue
		}
		mf, err := p.fetchLink(ctx, pn.ID, r.media.Link, r.media.ProviderName(), wabi.OriginLink)
		if err == nil {
			err = MediaFits(r.as, mf.MimeType)
		}
		if e := wabi.AsError(err); e != nil && e.Code != wabi.EInternal {
			return wabi.Errorf(wabi.EMediaUpload, "%s", e.Message), nil
		} else if err != nil {
			return nil, err
		}
		fill(r.media, mf, r.as)
	}
	return nil, nil
}

// resolveInboundMedia does the same for media a consumer sends: by an id the
// phone uploaded to the number, or by a link.
func (p *Platform) resolveInboundMedia(ctx context.Context, pn *wabi.PhoneNumber, m *wabi.Message) error {
	md := m.MediaOf(m.Type)
	if md == nil {
		return nil
	}
	var mf *wabi.MediaFile
	var err error
	if md.ID != "" {
		mf, err = p.ownMedia(ctx, pn, md.ID)
	} else {
		mf, err = p.fetchLink(ctx, pn.ID, md.Link, "", wabi.OriginInbound)
	}
	if err != nil {
		return err
	}
	if err := MediaFits(m.Type, mf.MimeType); err != nil {
		return err
	}
	fill(md, mf, m.Type)
	md.Link = ""
	md.SHA256 = SHA256Base64(mf.SHA256)
	if m.Type == wabi.TypeSticker {
		md.Animated = mf.Animated
	}
	return nil
}

// ownMedia loads a media file the number may send: its own and not expired.
func (p *Platform) ownMedia(ctx context.Context, pn *wabi.PhoneNumber, id string) (*wabi.MediaFile, error) {
	mf, err := p.store.MediaFile(ctx, id)
	if err == nil && mf.PhoneNumberID == pn.ID && p.clock.Now().Before(mf.ExpiresAt) {
		return mf, nil
	}
	if err != nil && wabi.ErrorCode(err) != wabi.ENotFound {
		return nil, err
	}
	return nil, wabi.Errorf(wabi.EInvalidValue, "Invalid media id %s: no such media was uploaded by this phone number, or it expired.", id)
}

// fill copies what wabi knows of a media file into a message's media object of
// type as. Only documents show a file name.
func fill(md *wabi.Media, mf *wabi.MediaFile, as wabi.Type) {
	md.ID = mf.ID
	md.MimeType = mf.MimeType
	if as == wabi.TypeDocument && md.Filename == "" {
		md.Filename = mf.Filename
	}
}

// MessageMedia returns the first media object of a message: its media, an
// interactive header's, or a template header parameter's; nil if it has none.
func MessageMedia(m *wabi.Message) *wabi.Media {
	if refs := mediaRefs(m); len(refs) > 0 {
		return refs[0].media
	}
	return nil
}
