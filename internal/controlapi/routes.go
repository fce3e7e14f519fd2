package controlapi

import "net/http"

// routes lists every endpoint of the control API. docs/control-api.md describes
// each one.
func (a *API) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/info", a.handleInfo)

	mux.HandleFunc("GET /api/businesses", a.handleListBusinesses)
	mux.HandleFunc("POST /api/businesses", a.handleCreateBusiness)
	mux.HandleFunc("GET /api/businesses/{id}", a.handleGetBusiness)

	mux.HandleFunc("GET /api/wabas", a.handleListWABAs)
	mux.HandleFunc("POST /api/wabas", a.handleCreateWABA)
	mux.HandleFunc("GET /api/wabas/{id}", a.handleGetWABA)
	mux.HandleFunc("GET /api/wabas/{id}/subscribed_apps", a.handleListSubscribedApps)
	mux.HandleFunc("POST /api/wabas/{id}/subscribed_apps", a.handleSubscribeApp)
	mux.HandleFunc("DELETE /api/wabas/{id}/subscribed_apps", a.handleUnsubscribeApp)

	mux.HandleFunc("GET /api/phone_numbers", a.handleListPhoneNumbers)
	mux.HandleFunc("POST /api/phone_numbers", a.handleCreatePhoneNumber)
	mux.HandleFunc("GET /api/phone_numbers/{id}", a.handleGetPhoneNumber)

	mux.HandleFunc("GET /api/apps", a.handleListApps)
	mux.HandleFunc("POST /api/apps", a.handleCreateApp)
	mux.HandleFunc("GET /api/apps/{id}", a.handleGetApp)
	mux.HandleFunc("PUT /api/apps/{id}/webhook", a.handleSetAppWebhook)

	mux.HandleFunc("GET /api/tokens", a.handleListTokens)
	mux.HandleFunc("POST /api/tokens", a.handleCreateToken)
	mux.HandleFunc("DELETE /api/tokens/{token}", a.handleRevokeToken)

	mux.HandleFunc("GET /api/templates", a.handleListTemplates)
	mux.HandleFunc("POST /api/templates", a.handleCreateTemplate)
	mux.HandleFunc("GET /api/templates/{id}", a.handleGetTemplate)
	mux.HandleFunc("POST /api/templates/{id}/status", a.handleSetTemplateStatus)

	mux.HandleFunc("GET /api/phones", a.handleListPhones)
	mux.HandleFunc("POST /api/phones", a.handleCreatePhone)
	mux.HandleFunc("GET /api/phones/{wa_id}", a.handleGetPhone)
	mux.HandleFunc("PATCH /api/phones/{wa_id}", a.handlePatchPhone)
	mux.HandleFunc("PUT /api/phones/{wa_id}", a.handlePutPhone)
	mux.HandleFunc("POST /api/phones/{wa_id}/messages", a.handlePhoneSend)
	mux.HandleFunc("GET /api/phones/{wa_id}/messages", a.handlePhoneChat)
	mux.HandleFunc("POST /api/phones/{wa_id}/read", a.handlePhoneRead)

	mux.HandleFunc("GET /api/messages", a.handleListMessages)
	mux.HandleFunc("GET /api/messages/{id}", a.handleGetMessage)

	mux.HandleFunc("GET /api/deliveries", a.handleListDeliveries)
	mux.HandleFunc("GET /api/deliveries/{id}", a.handleGetDelivery)
	mux.HandleFunc("POST /api/deliveries/{id}/redeliver", a.handleRedeliver)
}
