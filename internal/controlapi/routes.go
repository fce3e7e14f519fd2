package controlapi

import "net/http"

// routes lists every endpoint of the control API. docs/control-api.md describes
// each one. Handlers return their error; handle answers it.
func (a *API) routes(mux *http.ServeMux) {
	mux.Handle("GET /api/info", a.handle(a.handleInfo))
	mux.Handle("GET "+openapiPath, a.handle(a.handleOpenAPI))

	mux.Handle("GET /api/businesses", a.handle(a.handleListBusinesses))
	mux.Handle("POST /api/businesses", a.handle(a.handleCreateBusiness))
	mux.Handle("GET /api/businesses/{id}", a.handle(a.handleGetBusiness))

	mux.Handle("GET /api/wabas", a.handle(a.handleListWABAs))
	mux.Handle("POST /api/wabas", a.handle(a.handleCreateWABA))
	mux.Handle("GET /api/wabas/{id}", a.handle(a.handleGetWABA))
	mux.Handle("GET /api/wabas/{id}/subscribed_apps", a.handle(a.handleListSubscribedApps))
	mux.Handle("POST /api/wabas/{id}/subscribed_apps", a.handle(a.handleSubscribeApp))
	mux.Handle("DELETE /api/wabas/{id}/subscribed_apps", a.handle(a.handleUnsubscribeApp))

	mux.Handle("GET /api/phone_numbers", a.handle(a.handleListPhoneNumbers))
	mux.Handle("POST /api/phone_numbers", a.handle(a.handleCreatePhoneNumber))
	mux.Handle("GET /api/phone_numbers/{id}", a.handle(a.handleGetPhoneNumber))
	mux.Handle("GET /api/phone_numbers/{id}/profile", a.handle(a.handleGetNumberProfile))
	mux.Handle("GET /api/phone_numbers/{id}/onprem_api_key", a.handle(a.handleGetOnPremAPIKey))
	mux.Handle("POST /api/phone_numbers/{id}/onprem_api_key/rotate", a.handle(a.handleRotateOnPremAPIKey))
	mux.Handle("POST /api/phone_numbers/{id}/errors", a.handle(a.handleReportErrors))

	mux.Handle("GET /api/apps", a.handle(a.handleListApps))
	mux.Handle("POST /api/apps", a.handle(a.handleCreateApp))
	mux.Handle("GET /api/apps/{id}", a.handle(a.handleGetApp))
	mux.Handle("PUT /api/apps/{id}/webhook", a.handle(a.handleSetAppWebhook))

	mux.Handle("GET /api/tokens", a.handle(a.handleListTokens))
	mux.Handle("POST /api/tokens", a.handle(a.handleCreateToken))
	mux.Handle("DELETE /api/tokens/{token}", a.handle(a.handleRevokeToken))

	mux.Handle("GET /api/templates", a.handle(a.handleListTemplates))
	mux.Handle("POST /api/templates", a.handle(a.handleCreateTemplate))
	mux.Handle("GET /api/templates/{id}", a.handle(a.handleGetTemplate))
	mux.Handle("POST /api/templates/{id}/status", a.handle(a.handleSetTemplateStatus))
	mux.Handle("POST /api/templates/{id}/category", a.handle(a.handleSetTemplateCategory))
	mux.Handle("POST /api/templates/{id}/quality", a.handle(a.handleSetTemplateQuality))

	mux.Handle("GET /api/phones", a.handle(a.handleListPhones))
	mux.Handle("POST /api/phones", a.handle(a.handleCreatePhone))
	mux.Handle("GET /api/phones/{wa_id}", a.handle(a.handleGetPhone))
	mux.Handle("PATCH /api/phones/{wa_id}", a.handle(a.handlePatchPhone))
	mux.Handle("PUT /api/phones/{wa_id}", a.handle(a.handlePutPhone))
	mux.Handle("POST /api/phones/{wa_id}/messages", a.handle(a.handlePhoneSend))
	mux.Handle("GET /api/phones/{wa_id}/messages", a.handle(a.handlePhoneChat))
	mux.Handle("POST /api/phones/{wa_id}/read", a.handle(a.handlePhoneRead))
	mux.Handle("POST /api/phones/{wa_id}/tap", a.handle(a.handlePhoneTap))
	mux.Handle("POST /api/phones/{wa_id}/media", a.handle(a.handlePhoneUpload))
	mux.Handle("GET /api/phones/{wa_id}/messages/{id}/media", a.handle(a.handlePhoneMedia))

	mux.Handle("GET /api/messages", a.handle(a.handleListMessages))
	mux.Handle("GET /api/messages/{id}", a.handle(a.handleGetMessage))

	mux.Handle("GET /api/deliveries", a.handle(a.handleListDeliveries))
	mux.Handle("GET /api/deliveries/{id}", a.handle(a.handleGetDelivery))
	mux.Handle("POST /api/deliveries/{id}/redeliver", a.handle(a.handleRedeliver))
	mux.Handle("POST /api/deliveries/redeliver", a.handle(a.handleRedeliverAll))

	mux.Handle("GET "+eventsPath, a.handle(a.handleEvents))
	mux.Handle("GET /api/metrics", a.handle(a.handleMetrics))

	a.limitRoutes(mux)
	a.qualityRoutes(mux)
	a.faultRoutes(mux)
	a.relayRoutes(mux)
	a.channelRoutes(mux)
}
