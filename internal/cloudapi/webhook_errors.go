package cloudapi

import (
	"errors"

	"github.com/wabihq/wabi/internal/codec"
	"github.com/wabihq/wabi/internal/wabi"
)

// encodeValueErrors renders a messages webhook whose value carries errors[]
// instead of messages or statuses: problems of the number not tied to one
// message, such as a rate limit hit while receiving.
func encodeValueErrors(e *wabi.Event) ([]byte, error) {
	if e.Phone == nil {
		return nil, errors.New("cloudapi: an errors webhook needs its phone number")
	}
	wabaID := e.Phone.WABAID
	if e.WABA != nil {
		wabaID = e.WABA.ID
	}
	value := whValue{
		MessagingProduct: "whatsapp",
		Metadata:         whMetadata{DisplayPhoneNumber: e.Phone.DisplayPhoneNumber, PhoneNumberID: e.Phone.ID},
		Errors:           make([]webhookError, len(e.Errors)),
	}
	for i, err := range e.Errors {
		value.Errors[i] = statusError(err)
	}
	return codec.Marshal(whEnvelope{
		Object: "whatsapp_business_account",
		Entry:  []whEntry{{ID: wabaID, Changes: []whChange{{Value: value, Field: wabi.FieldMessages}}}},
	})
}

// CodeOf returns the domain code that the Cloud API answers with the numeric
// code n (131026 → not_on_whatsapp), for callers that let users name an error
// the way Meta documents it. When several domain codes share n, the first in
// wabi.Codes() is returned.
func CodeOf(n int) (wabi.Code, bool) {
	for _, c := range wabi.Codes() {
		if s, ok := graphErrorFor(c); ok && s.code == n {
			return c, true
		}
	}
	return "", false
}
