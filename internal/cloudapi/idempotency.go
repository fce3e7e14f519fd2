package cloudapi

import (
	"bytes"
	"context"
	"net/http"

	"github.com/wabihq/wabi/internal/platform"
)

// idempotencyHeader makes a send safe to repeat: the same key on the same
// number within platform.IdempotencyTTL answers the first answer again and
// sends nothing. Every answer echoes it, which tells a relaying wabi that a
// send it could not see answered may be tried again.
const idempotencyHeader = "Idempotency-Key"

// idempotent runs the send h once per Idempotency-Key of its number: a key
// already answered gets that answer again; a new one claims the key, runs h
// and keeps its answer, unless the answer says nothing was done (a server
// error or a rate limit), which lets the key go.
func (a *API) idempotent(w http.ResponseWriter, r *http.Request, c platform.Caller, key string, h handlerFunc) error {
	id := r.PathValue("id")
	kept, err := a.p.ClaimIdempotencyKey(r.Context(), c, id, key)
	if err != nil {
		return err
	}
	if kept != nil {
		if kept.ContentType != "" {
			w.Header().Set("Content-Type", kept.ContentType)
		}
		w.Header().Set("Idempotent-Replayed", "true")
		w.WriteHeader(kept.Status)
		_, _ = w.Write(kept.Body)
		return nil
	}
	rec := &answerRecorder{ResponseWriter: w, status: http.StatusOK}
	if err := h(rec, r, c); err != nil {
		writeError(rec, r, a.logger(), err)
	}
	var ans *platform.IdempotentAnswer
	if rec.status < 500 && rec.status != http.StatusTooManyRequests {
		ans = &platform.IdempotentAnswer{Status: rec.status, ContentType: w.Header().Get("Content-Type"), Body: rec.body.Bytes()}
	}
	if err := a.p.FinishIdempotencyKey(context.WithoutCancel(r.Context()), id, key, ans); err != nil {
		a.logger().Error("cloudapi: keep the answer of an Idempotency-Key", "phone_number_id", id, "err", err)
	}
	return nil
}

// answerRecorder passes an answer through and keeps a copy of it.
type answerRecorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (rec *answerRecorder) WriteHeader(status int) {
	rec.status = status
	rec.ResponseWriter.WriteHeader(status)
}

func (rec *answerRecorder) Write(b []byte) (int, error) {
	rec.body.Write(b)
	return rec.ResponseWriter.Write(b)
}
