package cloudapi_test

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/golden"
	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// mustUploadSession opens a resumable upload for the demo app.
func (s *stack) mustUploadSession(name, fileType string, length int) string {
	s.t.Helper()
	b := s.mustOK("POST", "/v23.0/"+s.demo.App.ID+"/uploads?file_name="+name+"&file_length="+strconv.Itoa(length)+"&file_type="+fileType, "")
	id := gjson(b, "id")
	if id == "" {
		s.t.Fatalf("no session id in %s", b)
	}
	return id
}

// sendPart posts bytes of an upload as the SDKs do: OAuth, file_offset, raw body.
func (s *stack) sendPart(id string, offset int, part []byte) (int, []byte) {
	s.t.Helper()
	return s.callWith("POST", "/v23.0/"+id, map[string]string{
		"Authorization": "OAuth " + s.demo.Token.Value, "file_offset": strconv.Itoa(offset),
		"Content-Type": "application/octet-stream",
	}, part)
}

// mustHandle uploads a whole file in one part and returns its handle.
func (s *stack) mustHandle(name, fileType string, data []byte) string {
	s.t.Helper()
	status, b := s.sendPart(s.mustUploadSession(name, fileType, len(data)), 0, data)
	h := gjson(b, "h")
	if status != 200 || h == "" {
		s.t.Fatalf("upload %s: %d %s", name, status, b)
	}
	return h
}

// TestResumableUploadScenarios: the errors of opening an upload session.
func TestResumableUploadScenarios(t *testing.T) {
	s := mustStack(t)
	tok := s.demo.Token.Value
	_, otherTok := s.mustOtherBusiness()
	messagingOnly := s.mustScopedToken(wabi.ScopeMessaging)
	app := "/v23.0/" + s.demo.App.ID + "/uploads"
	ids := idNames{s.demo.App.ID: "APP_ID", s.demo.WABA.ID: "WABA_ID"}
	runScenarios(t, s, "uploads", ids, []scenario{
		{"create", "POST", app + "?file_name=photo.jpg&file_length=24567&file_type=image/jpeg", tok, "", 200},
		{"create_json_body", "POST", app, tok, `{"file_name":"menu.pdf","file_length":"1024","file_type":"application/pdf"}`, 200},
		{"create_missing_length", "POST", app + "?file_type=image/jpeg", tok, "", 400},
		{"create_bad_length", "POST", app + "?file_length=big&file_type=image/jpeg", tok, "", 400},
		{"create_zero_length", "POST", app + "?file_length=0&file_type=image/jpeg", tok, "", 400},
		{"create_too_large", "POST", app + "?file_length=104857601&file_type=video/mp4", tok, "", 400},
		{"create_missing_type", "POST", app + "?file_length=10", tok, "", 400},
		{"create_bad_type", "POST", app + "?file_length=10&file_type=image/gif", tok, "", 400},
		{"create_not_an_app", "POST", "/v23.0/" + s.demo.WABA.ID + "/uploads?file_length=10&file_type=image/png", tok, "", 400},
		{"create_foreign_token", "POST", app + "?file_length=10&file_type=image/png", otherTok.Value, "", 400},
		{"create_messaging_token", "POST", app + "?file_length=10&file_type=image/png", messagingOnly.Value, "", 403},
		{"get_unknown_session", "GET", "/v23.0/upload:bm9uZQ", tok, "", 400},
	})
}

// TestResumableUpload: a file arrives in two parts, the second after a resume;
// wrong offsets and extra bytes are refused; the handle resolves to the file
// until the session expires.
func TestResumableUpload(t *testing.T) {
	s := mustStack(t)
	ctx := context.Background()
	data := pngBytes(t)
	half := len(data) / 2
	id := s.mustUploadSession("logo.png", "image/png", len(data))
	ids := idNames{s.demo.App.ID: "APP_ID"}
	check := func(name string, status, wantStatus int, body []byte) {
		t.Helper()
		if status != wantStatus {
			t.Errorf("%s: status %d, want %d: %s", name, status, wantStatus, body)
		}
		golden.Assert(t, "testdata/uploads/"+name+".json", ids.normalize(s, body))
	}

	status, b := s.call("GET", "/v23.0/"+id, s.demo.Token.Value, "")
	check("session_new", status, 200, b)
	status, b = s.sendPart(id, 0, data[:half])
	check("first_part", status, 200, b)
	status, b = s.sendPart(id, 0, data[:half])
	check("wrong_offset", status, 400, b)
	status, b = s.callWith("POST", "/v23.0/"+id, map[string]string{"Authorization": "OAuth " + s.demo.Token.Value}, data[half:])
	check("missing_offset", status, 400, b)
	status, b = s.call("GET", "/v23.0/"+id, s.demo.Token.Value, "")
	check("session_resumed", status, 200, b)
	if gjson(b, "id") != id || !bytes.Contains(b, []byte(`"file_offset":`+strconv.Itoa(half))) {
		t.Fatalf("GET session = %s, want offset %d", b, half)
	}
	status, b = s.sendPart(id, half, append(append([]byte{}, data[half:]...), 'x'))
	check("too_many_bytes", status, 400, b)
	status, b = s.sendPart(id, half, data[half:])
	check("last_part", status, 200, b)
	h := gjson(b, "h")
	if status, again := s.sendPart(id, len(data), nil); status != 200 || gjson(again, "h") != h {
		t.Errorf("resending the end = %d %s, want the handle again", status, again)
	}

	sess, err := s.p.ResolveHandle(ctx, h)
	if err != nil {
		t.Fatalf("ResolveHandle(%s): %v", h, err)
	}
	f, err := s.p.OpenUpload(sess)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(f)
	f.Close()
	if !bytes.Equal(got, data) || sess.FileType != "image/png" || sess.FileName != "logo.png" {
		t.Fatalf("the handle resolves to %d bytes of %s (%s), want the %d uploaded", len(got), sess.FileType, sess.FileName, len(data))
	}
	for _, bad := range []string{"", "4::", h + "x", "4::aW1hZ2UvanBlZw==" + h[len("4::aW1hZ2UvcG5n"):]} {
		if _, err := s.p.ResolveHandle(ctx, bad); wabi.ErrorCode(err) != wabi.EInvalidParam {
			t.Errorf("ResolveHandle(%q) = %v, want invalid_parameter", bad, err)
		}
	}

	s.clock.Advance(platform.UploadSessionTTL)
	if _, err := s.p.ResolveHandle(ctx, h); wabi.ErrorCode(err) != wabi.EInvalidParam {
		t.Errorf("ResolveHandle of an expired upload = %v, want invalid_parameter", err)
	}
	status, b = s.call("GET", "/v23.0/"+id, s.demo.Token.Value, "")
	if status != 400 || errorCode(b) != 100 {
		t.Errorf("GET an expired session = %d %s, want 100", status, b)
	}
}

// TestUploadIncomplete: a handle is only made for a whole file, and a session of
// another business cannot be read or written.
func TestUploadIncomplete(t *testing.T) {
	s := mustStack(t)
	ctx := context.Background()
	id := s.mustUploadSession("doc.pdf", "application/pdf", 10)
	s.sendPart(id, 0, []byte("%PDF-"))
	sess, err := s.store.UploadSession(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	sess.ExpiresAt = sess.CreatedAt.Add(time.Hour)
	if _, err := s.p.ResolveHandle(ctx, platform.UploadHandle(sess)); wabi.ErrorCode(err) != wabi.EInvalidParam {
		t.Errorf("ResolveHandle of a half upload = %v, want invalid_parameter", err)
	}
	other, _ := s.p.CreateBusiness(ctx, "Other Co")
	otherTok, err := s.p.CreateToken(ctx, platform.NewToken{BusinessID: other.ID, Name: "other"})
	if err != nil {
		t.Fatal(err)
	}
	for _, method := range []string{"GET", "POST"} {
		status, b := s.callWith(method, "/v23.0/"+id, map[string]string{"Authorization": "OAuth " + otherTok.Value, "file_offset": "5"}, []byte("12345"))
		if status != 400 || errorCode(b) != 100 || !bytes.Contains(b, []byte(`"error_subcode":33`)) {
			t.Errorf("%s of another business's session = %d %s, want 100/33", method, status, b)
		}
	}
}
