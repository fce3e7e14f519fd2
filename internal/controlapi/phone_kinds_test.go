package controlapi

import "testing"

// TestPhoneSendsEveryKind has a virtual phone send what is not chat: an order, a
// message from an ad, system notices, an unsupported message and a chat
// opener; each is stored and its webhook queued. What the On-Premises API
// never had is refused for an On-Premises number.
func TestPhoneSendsEveryKind(t *testing.T) {
	t.Parallel()
	s := mustStack(t, "")
	vars := s.vars()
	vars["onprem"] = s.demo.OnPremPhone.ID
	send := "/api/phones/{customer}/messages"
	sent := func(name, body string, want map[string]string) step {
		return step{name: name, method: "POST", path: send, body: `{"to":"{phone_number}",` + body + `}`, status: 201,
			want: want, save: map[string]string{"last": "id"}}
	}
	queued := step{name: "its webhook is queued", method: "GET", path: "/api/deliveries?message_id={last}", status: 200,
		want: map[string]string{"data.#": "1", "data.0.event": "message"}}
	s.run(t, vars, []step{
		sent("an order", `"type":"order","order":{"catalog_id":"194836987003835","product_items":[{"product_retailer_id":"di9ozbzfi4","quantity":2,"item_price":30,"currency":"USD"}]}`,
			map[string]string{"type": "order", "order.product_items.0.quantity": "2", "order.product_items.0.item_price": "30"}),
		queued,
		sent("a text from an ad", `"type":"text","text":{"body":"Still available?"},"referral":{"source_url":"https://fb.me/3cr4Wqqkv","source_id":"1202","source_type":"ad","media_type":"image","image_url":"https://example.com/ad.jpg"}`,
			map[string]string{"referral.source_type": "ad", "text.body": "Still available?"}),
		queued,
		sent("a changed number", `"type":"system","system":{"type":"user_changed_number","wa_id":"12195551234"}`,
			map[string]string{"system.wa_id": "12195551234", "system.body": "*"}),
		queued,
		sent("an unsupported message", `"type":"unsupported","unsupported":{"type":"poll"}`, map[string]string{"unsupported.type": "poll"}),
		queued,
		sent("a chat opener", `"type":"request_welcome"`, map[string]string{"type": "request_welcome"}),
		queued,
		sent("a removed reaction", `"type":"reaction","reaction":{"message_id":"{last}","emoji":""}`, map[string]string{"reaction.emoji": ""}),
		{name: "an order without items", method: "POST", path: send, status: 400,
			body: `{"to":"{phone_number}","type":"order","order":{"catalog_id":"1"}}`,
			want: map[string]string{"error.code": "required_parameter"}},
		{name: "an order to an On-Premises number", method: "POST", path: send, status: 400,
			body: `{"to":"{onprem}","type":"order","order":{"catalog_id":"1","product_items":[{"product_retailer_id":"p","quantity":1,"item_price":1,"currency":"USD"}]}}`,
			want: map[string]string{"error.code": "unsupported_type"}},
		{name: "a chat opener to an On-Premises number", method: "POST", path: send, status: 400,
			body: `{"to":"{onprem}","type":"request_welcome"}`, want: map[string]string{"error.code": "unsupported_type"}},
		{name: "a system notice reaches an On-Premises number", method: "POST", path: send, status: 201,
			body: `{"to":"{onprem}","type":"system","system":{"type":"customer_identity_changed"}}`,
			want: map[string]string{"system.type": "customer_identity_changed"}},
	})
}
