package controlapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"image/color"
	"strconv"
	"strings"
	"testing"

	"github.com/wabihq/wabi/internal/fetch"
	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// digests returns the hex and base64 forms of the SHA-256 of data: the first is
// how wabi names stored bytes, the second how inbound webhooks carry them.
func digests(data []byte) (hexSum, base64Sum string) {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), base64.StdEncoding.EncodeToString(sum[:])
}

// TestPhoneUploads has a virtual phone upload files and send them to the
// business number by id and by link, in every media type.
func TestPhoneUploads(t *testing.T) {
	s := mustStack(t, "")
	vars := s.vars()
	photo := mustPNG(t, color.NRGBA{R: 200, A: 255})
	vars["sha"], vars["sha64"] = digests(photo)
	vars["size"] = strconv.Itoa(len(photo))
	links := mustLinkServer(t, map[string]linkFile{"/cat.png": {"image/png", photo}})
	vars["links"] = links.URL

	form, formType := mustForm(t, formPart{name: "file", filename: "cat.png", contentType: "image/png", value: string(photo)})
	typed, typedType := mustForm(t,
		formPart{name: "file", filename: "clip.aac", contentType: "application/octet-stream", value: string(unrecognisable())},
		formPart{name: "type", value: "audio/aac"})
	noFile, noFileType := mustForm(t, formPart{name: "type", value: "image/png"})
	invoice, invoiceType := mustForm(t, formPart{name: "file", filename: "invoice.pdf", contentType: "application/pdf", value: pdf})
	as := func(contentType string) map[string]string { return map[string]string{"Content-Type": contentType} }
	upload := "/api/phones/{customer}/media?phone_number_id={phone_number}"
	send := "/api/phones/{customer}/messages"

	s.run(t, vars, []step{
		{name: "upload a photo as a form", method: "POST", path: upload, body: form, header: as(formType), status: 201,
			want: map[string]string{"id": "*", "phone_number_id": "{phone_number}", "mime_type": "image/png",
				"sha256": "{sha}", "file_size": "{size}", "filename": "cat.png", "origin": "inbound",
				"created_at": "2026-03-01T12:00:00Z", "expires_at": "2026-03-08T12:00:00Z"},
			save: map[string]string{"photo": "id"}},
		{name: "upload it again as raw bytes", method: "POST", path: upload + "&filename=cat2.png", body: string(photo),
			header: as("image/png"), status: 201,
			want: map[string]string{"id": "*", "mime_type": "image/png", "sha256": "{sha}", "filename": "cat2.png"},
			save: map[string]string{"photo2": "id"},
			then: func(t *testing.T, s *stack, r response, vars map[string]string) {
				if vars["photo2"] == vars["photo"] {
					t.Errorf("the second upload has the first one's id %s", vars["photo"])
				}
			}},
		{name: "send it by id", method: "POST", path: send,
			body: `{"to":"{phone_number}","type":"image","image":{"id":"{photo}","caption":"my cat"}}`, status: 201,
			want: map[string]string{"image.id": "{photo}", "image.mime_type": "image/png", "image.sha256": "{sha64}",
				"image.caption": "my cat"},
			save: map[string]string{"sent": "id"},
			then: func(t *testing.T, s *stack, r response, vars map[string]string) {
				waitFor(t, "the webhook to reach the business", func() bool {
					return s.hook.count(`"id":"`+vars["photo"]+`"`) == 1
				})
			}},
		{name: "its delivery is listed", method: "GET", path: "/api/deliveries?message_id={sent}", status: 200,
			want: map[string]string{"data.#": "1"}, save: map[string]string{"delivery": "data.0.id"}},
		{name: "the webhook carries the media id, type and digest", method: "GET", path: "/api/deliveries/{delivery}", status: 200,
			want: map[string]string{"body.entry.0.changes.0.value.messages.0.image.id": "{photo}",
				"body.entry.0.changes.0.value.messages.0.image.mime_type": "image/png",
				"body.entry.0.changes.0.value.messages.0.image.sha256":    "{sha64}"}},
		{name: "the phone gets back what it sent", method: "GET", path: "/api/phones/{customer}/messages/{sent}/media",
			status: 200, then: wantFile(photo, "image/png")},
		{name: "or a part of it", method: "GET", path: "/api/phones/{customer}/messages/{sent}/media",
			header: map[string]string{"Range": "bytes=0-7"}, status: 206, then: wantFile(photo[:8], "image/png")},

		{name: "a form part's type field names bytes wabi cannot recognise", method: "POST", path: upload,
			body: typed, header: as(typedType), status: 201,
			want: map[string]string{"mime_type": "audio/aac", "filename": "clip.aac"}},
		{name: "a GIF is refused", method: "POST", path: upload, body: string(mustGIF(t)), header: as("image/gif"), status: 400,
			want: map[string]string{"error.code": "media_upload",
				"error.message": "Media type image/gif is not supported. Images must be image/jpeg or image/png."}},
		{name: "stereo OPUS is refused", method: "POST", path: upload, body: string(oggOpus(2)), header: as("audio/ogg"), status: 400,
			want: map[string]string{"error.code": "media_upload", "error.message": "OGG audio must be mono; this one has 2 channels."}},
		{name: "an empty file is refused", method: "POST", path: upload, header: as("image/png"), status: 400,
			want: map[string]string{"error.code": "media_upload"}},
		{name: "a form without a file", method: "POST", path: upload, body: noFile, header: as(noFileType), status: 400,
			want: map[string]string{"error.code": "required_parameter"}},
		{name: "no business number", method: "POST", path: "/api/phones/{customer}/media", body: string(photo),
			header: as("image/png"), status: 400, want: map[string]string{"error.code": "required_parameter"}},
		{name: "a business number that does not exist", method: "POST", path: "/api/phones/{customer}/media?phone_number_id=404",
			body: string(photo), header: as("image/png"), status: 404, want: map[string]string{"error.code": "not_found"}},
		{name: "a phone that does not exist", method: "POST", path: "/api/phones/15559999999/media?phone_number_id={phone_number}",
			body: string(photo), header: as("image/png"), status: 404, want: map[string]string{"error.code": "not_found"}},

		{name: "upload a voice note", method: "POST", path: upload, body: string(oggOpus(1)),
			header: as("audio/ogg; codecs=opus"), status: 201,
			want: map[string]string{"mime_type": "audio/ogg"}, save: map[string]string{"voice": "id"}},
		{name: "send it", method: "POST", path: send,
			body: `{"to":"{phone_number}","type":"audio","audio":{"id":"{voice}","voice":true}}`, status: 201,
			want: map[string]string{"audio.id": "{voice}", "audio.mime_type": "audio/ogg", "audio.voice": "true", "audio.sha256": "*"}},
		{name: "upload a document", method: "POST", path: upload, body: invoice, header: as(invoiceType), status: 201,
			want: map[string]string{"mime_type": "application/pdf", "filename": "invoice.pdf"}, save: map[string]string{"pdf": "id"}},
		{name: "send it, named after the upload", method: "POST", path: send,
			body: `{"to":"{phone_number}","type":"document","document":{"id":"{pdf}","caption":"March"}}`, status: 201,
			want: map[string]string{"document.mime_type": "application/pdf", "document.filename": "invoice.pdf",
				"document.caption": "March"}},
		{name: "upload a sticker", method: "POST", path: upload, body: string(webpSticker(false)), header: as("image/webp"),
			status: 201, want: map[string]string{"mime_type": "image/webp", "animated": "-"}, save: map[string]string{"sticker": "id"}},
		{name: "send it", method: "POST", path: send,
			body: `{"to":"{phone_number}","type":"sticker","sticker":{"id":"{sticker}"}}`, status: 201,
			want: map[string]string{"sticker.mime_type": "image/webp", "sticker.animated": "-"}},
		{name: "a sticker is no image", method: "POST", path: send,
			body: `{"to":"{phone_number}","type":"image","image":{"id":"{sticker}"}}`, status: 400,
			want: map[string]string{"error.code": "media_upload"}},
		{name: "an id that was never uploaded", method: "POST", path: send,
			body: `{"to":"{phone_number}","type":"image","image":{"id":"1234"}}`, status: 400,
			want: map[string]string{"error.code": "invalid_value"}},
		{name: "a second business number", method: "POST", path: "/api/phone_numbers",
			body: `{"waba_id":"{waba}","phone_number":"15550001002","verified_name":"Demo Returns"}`, status: 201,
			save: map[string]string{"second": "id"}},
		{name: "upload for it", method: "POST", path: "/api/phones/{customer}/media?phone_number_id={second}",
			body: string(photo), header: as("image/png"), status: 201, save: map[string]string{"elsewhere": "id"}},
		{name: "its id is no good at the first number", method: "POST", path: send,
			body: `{"to":"{phone_number}","type":"image","image":{"id":"{elsewhere}"}}`, status: 400,
			want: map[string]string{"error.code": "invalid_value"}},

		{name: "send an image by link", method: "POST", path: send,
			body: `{"to":"{phone_number}","type":"image","image":{"link":"{links}/cat.png"}}`, status: 201,
			want: map[string]string{"image.id": "*", "image.link": "-", "image.mime_type": "image/png", "image.sha256": "{sha64}"},
			save: map[string]string{"linked": "id"}},
		{name: "wabi stored what the link held", method: "GET", path: "/api/phones/{customer}/messages/{linked}/media",
			status: 200, then: wantFile(photo, "image/png")},
		{name: "a link that is not there", method: "POST", path: send,
			body: `{"to":"{phone_number}","type":"image","image":{"link":"{links}/dog.png"}}`, status: 400,
			want: map[string]string{"error.code": "media_upload"}},
	})

	// Without WABI_MEDIA_FETCH_ALLOW, loopback links are refused like any
	// internal address; the message says what to set.
	strict, err := fetch.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	s.p.Fetch = strict
	s.run(t, vars, []step{
		{name: "a loopback link without an allow list", method: "POST", path: send,
			body: `{"to":"{phone_number}","type":"image","image":{"link":"{links}/cat.png?again"}}`, status: 400,
			want: map[string]string{"error.code": "media_upload", "error.message": "Media download failed: " +
				"127.0.0.1 is a loopback address; allow it with WABI_MEDIA_FETCH_ALLOW"}},
	})
}

// TestPhoneDownloads has the business send media to a phone, which downloads
// it, and checks that a phone gets the media of its own chat only.
func TestPhoneDownloads(t *testing.T) {
	s := mustStack(t, "")
	ctx := context.Background()
	vars := s.vars()
	menu := mustPNG(t, color.NRGBA{B: 200, A: 255})
	links := mustLinkServer(t, map[string]linkFile{"/menu.png": {"image/png", menu}})
	vars["link"] = links.URL + "/menu.png"

	// The customer writes first, which opens the window for free-form answers.
	if res := s.do(t, "POST", "/api/phones/"+vars["customer"]+"/messages",
		`{"to":"`+vars["phone_number"]+`","type":"text","text":{"body":"what is on today?"}}`, nil); res.status != 201 {
		t.Fatalf("inbound: %d %s", res.status, res.raw)
	}
	photo := mustJPEG(t)
	mf, err := s.p.UploadMedia(ctx, platform.Admin, platform.MediaUpload{
		PhoneNumberID: vars["phone_number"], Body: bytes.NewReader(photo), Declared: "image/jpeg", Origin: wabi.OriginUpload,
	})
	if err != nil {
		t.Fatalf("business upload: %v", err)
	}
	send := func(c wabi.Content, typ wabi.Type) string {
		t.Helper()
		res, err := s.p.Send(ctx, platform.Admin, platform.SendRequest{PhoneNumberID: vars["phone_number"], To: vars["customer"],
			Message: &wabi.Message{Type: typ, Content: c}})
		if err != nil {
			t.Fatalf("send %s: %v", typ, err)
		}
		return res.MessageID
	}
	vars["by_id"] = send(wabi.Content{Image: &wabi.Media{ID: mf.ID, Caption: "today"}}, wabi.TypeImage)
	vars["by_link"] = send(wabi.Content{Image: &wabi.Media{Link: vars["link"]}}, wabi.TypeImage)
	vars["text"] = send(wabi.Content{Text: &wabi.Text{Body: "enjoy"}}, wabi.TypeText)

	// Another phone sends the business a photo of its own.
	other := "447700900123"
	if res := s.do(t, "POST", "/api/phones", `{"wa_id":"`+other+`"}`, nil); res.status != 201 {
		t.Fatalf("create phone: %d %s", res.status, res.raw)
	}
	vars["other"] = other
	otherPhoto := mustPNG(t, color.NRGBA{R: 90, G: 90, A: 255})
	id := s.mustUpload(t, other, vars["phone_number"], "image/png", otherPhoto)
	res := s.do(t, "POST", "/api/phones/"+other+"/messages",
		`{"to":"`+vars["phone_number"]+`","type":"image","image":{"id":"`+id+`"}}`, nil)
	if res.status != 201 {
		t.Fatalf("other phone sends: %d %s", res.status, res.raw)
	}
	vars["theirs"] = res.str("id")

	s.run(t, vars, []step{
		{name: "an image the business sent by id", method: "GET", path: "/api/phones/{customer}/messages/{by_id}/media",
			status: 200, then: wantFile(photo, "image/jpeg")},
		{name: "an image the business sent by link, as wabi fetched it", method: "GET",
			path: "/api/phones/{customer}/messages/{by_link}/media", status: 200, then: wantFile(menu, "image/png")},
		{name: "the chat shows the link and the stored file", method: "GET", path: "/api/messages/{by_link}", status: 200,
			want: map[string]string{"image.link": "{link}", "image.id": "*", "image.mime_type": "image/png"}},
		{name: "a text message has no media", method: "GET", path: "/api/phones/{customer}/messages/{text}/media", status: 404,
			want: map[string]string{"error.code": "not_found"}},
		{name: "another phone's message", method: "GET", path: "/api/phones/{customer}/messages/{theirs}/media", status: 404,
			want: map[string]string{"error.code": "not_found"}},
		{name: "nor may that phone read this one's", method: "GET", path: "/api/phones/{other}/messages/{by_id}/media", status: 404,
			want: map[string]string{"error.code": "not_found"}},
		{name: "that phone gets what it sent", method: "GET", path: "/api/phones/{other}/messages/{theirs}/media",
			status: 200, then: wantFile(otherPhoto, "image/png")},
		{name: "a message that does not exist", method: "GET", path: "/api/phones/{customer}/messages/wamid.nothing/media",
			status: 404, want: map[string]string{"error.code": "not_found"}},
	})

	// Media a consumer sent lives 7 days; what the business uploaded, 30.
	s.clock.Advance(platform.InboundTTL)
	s.run(t, vars, []step{
		{name: "after 7 days what the phone sent is gone", method: "GET", path: "/api/phones/{other}/messages/{theirs}/media",
			status: 404, want: map[string]string{"error.code": "not_found"},
			then: func(t *testing.T, s *stack, r response, vars map[string]string) {
				if !strings.Contains(r.str("error.message"), "expired") {
					t.Errorf("message %q does not say the media expired", r.str("error.message"))
				}
			}},
		{name: "what the business sent is still there", method: "GET", path: "/api/phones/{customer}/messages/{by_id}/media",
			status: 200, then: wantFile(photo, "image/jpeg")},
	})
}
