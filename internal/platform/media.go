package platform

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/url"
	"strconv"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// Media lifetimes, as at Meta.
const (
	// UploadTTL is how long an uploaded (or fetched) media id lives.
	UploadTTL = 30 * 24 * time.Hour
	// InboundTTL is how long media a consumer sent can be downloaded.
	InboundTTL = 7 * 24 * time.Hour
	// MediaURLTTL is how long a download URL works.
	MediaURLTTL = 5 * time.Minute
	// LinkCacheTTL is how long a fetched link is reused for the same URL.
	LinkCacheTTL = 10 * time.Minute
	// orphanAge is how old unreferenced bytes must be before the sweep deletes
	// them, so that an upload between its bytes and its record is never touched.
	orphanAge = time.Hour
)

// sniffLen is how much of a file media inspection reads.
const sniffLen = MediaHeadSize

// MediaUpload is a file a business uploads, or a virtual phone sends.
type MediaUpload struct {
	// Via is the API the upload came in on; "" for the operator.
	Via           wabi.Platform
	PhoneNumberID string
	Body          io.Reader
	// Declared is the MIME type the uploader claimed, if any.
	Declared string
	Filename string
	// Origin is wabi.OriginUpload (default) or wabi.OriginInbound.
	Origin string
}

// UploadMedia stores a media file for a phone number: its bytes are durable and
// checked against WhatsApp's types and limits before its id exists.
func (p *Platform) UploadMedia(ctx context.Context, c Caller, u MediaUpload) (*wabi.MediaFile, error) {
	pn, _, err := p.numberFor(ctx, c, u.PhoneNumberID, wabi.ScopeMessaging)
	if err != nil {
		return nil, err
	}
	if u.Via != "" && pn.Platform != u.Via {
		return nil, wabi.Errorf(wabi.EWrongPlatform, "Phone number %s is served by the %s API, not this one.", pn.ID, pn.Platform)
	}
	if u.Origin == "" {
		u.Origin = wabi.OriginUpload
	}
	return p.storeMedia(ctx, pn.ID, u.Body, u.Declared, u.Filename, u.Origin)
}

// storeMedia writes bytes to the blob store, inspects them and records the file.
// Bytes that fail inspection stay unreferenced until the sweep removes them.
func (p *Platform) storeMedia(ctx context.Context, phoneNumberID string, body io.Reader, declared, filename, origin string) (*wabi.MediaFile, error) {
	if p.Blobs == nil {
		return nil, wabi.Errorf(wabi.EMediaUpload, "This wabi has no media store.")
	}
	blob, err := p.Blobs.Put(body, MediaMaxSize)
	if err != nil {
		return nil, err
	}
	head, err := p.readHead(blob.SHA256)
	if err != nil {
		return nil, err
	}
	info, err := InspectMedia(head, blob.Size, declared)
	if err != nil {
		return nil, err
	}
	now := p.clock.Now()
	ttl := UploadTTL
	if origin == wabi.OriginInbound {
		ttl = InboundTTL
	}
	m := &wabi.MediaFile{
		ID: p.ids.NewID(), PhoneNumberID: phoneNumberID, SHA256: blob.SHA256, MimeType: info.MimeType,
		Size: blob.Size, Filename: filename, Animated: info.Animated, Origin: origin,
		CreatedAt: now, ExpiresAt: now.Add(ttl),
	}
	if err := p.store.CreateMedia(ctx, m); err != nil {
		return nil, err
	}
	return m, nil
}

func (p *Platform) readHead(sha string) ([]byte, error) {
	f, err := p.Blobs.Open(sha)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	head := make([]byte, sniffLen)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, err
	}
	return head[:n], nil
}

// Media returns a media file the caller may use. With phoneNumberID, the file must
// belong to that number. Expired files do not exist.
func (p *Platform) Media(ctx context.Context, c Caller, id, phoneNumberID string) (*wabi.MediaFile, error) {
	m, err := p.store.MediaFile(ctx, id)
	if wabi.ErrorCode(err) == wabi.ENotFound {
		// Media a relayed number's upstream holds comes from there once.
		m, err = p.relayMedia(ctx, c, id, phoneNumberID)
	}
	if err != nil {
		return nil, err
	}
	if !p.clock.Now().Before(m.ExpiresAt) || (phoneNumberID != "" && m.PhoneNumberID != phoneNumberID) {
		return nil, notFound(id)
	}
	if _, _, err := p.numberFor(ctx, c, m.PhoneNumberID, wabi.ScopeMessaging); err != nil {
		if wabi.ErrorCode(err) == wabi.EPermission {
			return nil, err
		}
		return nil, notFound(id)
	}
	return m, nil
}

// DeleteMedia deletes a media file the caller may use, and its bytes unless other
// files share them.
func (p *Platform) DeleteMedia(ctx context.Context, c Caller, id, phoneNumberID string) error {
	m, err := p.Media(ctx, c, id, phoneNumberID)
	if err != nil {
		return err
	}
	if err := p.store.DeleteMedia(ctx, m.ID); err != nil {
		return err
	}
	return p.dropBytes(ctx, m.SHA256)
}

// dropBytes deletes bytes no media file refers to any more.
func (p *Platform) dropBytes(ctx context.Context, sha string) error {
	n, err := p.store.MediaRefs(ctx, sha)
	if err != nil || n > 0 {
		return err
	}
	return p.Blobs.Delete(sha)
}

// OpenMedia returns a media file's bytes.
func (p *Platform) OpenMedia(m *wabi.MediaFile) (io.ReadSeekCloser, error) {
	return p.Blobs.Open(m.SHA256)
}

// MediaURL returns the download URL of a media file under base (the server's
// public URL), signed and valid for MediaURLTTL (less under a
// media_url_expired fault).
func (p *Platform) MediaURL(base string, m *wabi.MediaFile) string {
	exp := strconv.FormatInt(p.clock.Now().Add(p.mediaURLTTL(m)).Unix(), 10)
	q := url.Values{"mid": {m.ID}, "ext": {exp}, "hash": {p.urlHash(m.ID, exp)}}
	return base + "/whatsapp_business/attachments/?" + q.Encode()
}

func (p *Platform) urlHash(id, exp string) string {
	mac := hmac.New(sha256.New, p.URLKey)
	mac.Write([]byte(id + "|" + exp))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// OpenMediaURL checks a download URL's signature and expiry and the caller's
// access, and returns the file. Every failure is ENotFound, as Meta answers 404.
func (p *Platform) OpenMediaURL(ctx context.Context, c Caller, id, exp, hash string) (*wabi.MediaFile, error) {
	gone := wabi.Errorf(wabi.ENotFound, "This media URL is not valid or has expired. Get a new one from GET /{media-id}.")
	t, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || !hmac.Equal([]byte(hash), []byte(p.urlHash(id, exp))) || p.clock.Now().Unix() > t {
		return nil, gone
	}
	m, err := p.Media(ctx, c, id, "")
	if err != nil {
		return nil, gone
	}
	return m, nil
}

// SHA256Base64 turns a hex digest into the base64 form inbound webhooks carry.
func SHA256Base64(hexDigest string) string {
	b, err := hex.DecodeString(hexDigest)
	if err != nil {
		return ""
	}
	return base64.StdEncoding.EncodeToString(b)
}

// SweepMedia deletes expired media files and upload sessions, then bytes nothing
// refers to that are older than an hour. It returns how many files and blobs it deleted.
func (p *Platform) SweepMedia(ctx context.Context) (files, blobs int, err error) {
	if p.Blobs == nil {
		return 0, 0, nil
	}
	now := p.clock.Now()
	for {
		expired, err := p.store.ExpiredMedia(ctx, now, 500)
		if err != nil {
			return files, blobs, err
		}
		for _, m := range expired {
			if err := p.store.DeleteMedia(ctx, m.ID); err != nil && wabi.ErrorCode(err) != wabi.ENotFound {
				return files, blobs, err
			}
			files++
		}
		if len(expired) < 500 {
			break
		}
	}
	// Expired upload sessions let go of their parts and files too.
	if _, err := p.store.DeleteExpiredUploadSessions(ctx, now); err != nil {
		return files, blobs, err
	}
	err = p.Blobs.Walk(func(sha string, _ int64, mod time.Time) error {
		if now.Sub(mod) < orphanAge {
			return nil
		}
		n, err := p.store.MediaRefs(ctx, sha)
		if err != nil || n > 0 {
			return err
		}
		blobs++
		return p.Blobs.Delete(sha)
	})
	return files, blobs, err
}

// fetchLink gets a media link for a phone number: from the link cache when the
// same URL was fetched in the last ten minutes, else from the network, with the
// credentials of the named On-Premises media provider if provider is not "".
func (p *Platform) fetchLink(ctx context.Context, phoneNumberID, link, provider, origin string) (*wabi.MediaFile, error) {
	key := "link:" + phoneNumberID + "|" + provider + "|" + link
	now := p.clock.Now()
	if v, ok := p.cache.get(key, now); ok {
		if m, err := p.store.MediaFile(ctx, v.(string)); err == nil {
			return m, nil
		}
	}
	if p.Fetch == nil {
		return nil, wabi.Errorf(wabi.EMediaUpload, "Media download failed: this wabi does not fetch links.")
	}
	auth := ""
	if provider != "" {
		var err error
		if auth, err = p.providerAuth(ctx, phoneNumberID, provider); err != nil {
			return nil, err
		}
	}
	f, err := p.Fetch.Fetch(ctx, link, MediaMaxSize, auth)
	if err != nil {
		return nil, err
	}
	m, err := p.storeMedia(ctx, phoneNumberID, bytes.NewReader(f.Body), f.ContentType, f.Filename, origin)
	if err != nil {
		return nil, err
	}
	p.cache.put(key, m.ID, now.Add(LinkCacheTTL))
	return m, nil
}
