package wabi

import (
	"encoding/json"
	"time"
)

// Direction tells who sent a message.
type Direction string

// The directions of a message, seen from the business.
const (
	Outbound Direction = "outbound"
	Inbound  Direction = "inbound"
)

// Type is a message type. The names are the Cloud API's.
type Type string

// Message types, outbound and inbound.
const (
	TypeText        Type = "text"
	TypeImage       Type = "image"
	TypeAudio       Type = "audio"
	TypeVideo       Type = "video"
	TypeDocument    Type = "document"
	TypeSticker     Type = "sticker"
	TypeLocation    Type = "location"
	TypeContacts    Type = "contacts"
	TypeInteractive Type = "interactive"
	TypeTemplate    Type = "template"
	TypeReaction    Type = "reaction"
	TypeButton      Type = "button" // inbound: tap on a template quick-reply button

	// TypeOrder is an inbound order: the cart a consumer sends from a catalog.
	TypeOrder Type = "order"
	// TypeSystem is an inbound system notice: the consumer changed their
	// number or their identity.
	TypeSystem Type = "system"
	// TypeUnsupported is an inbound message WhatsApp cannot render for the
	// business (a poll, a view-once photo, ...); webhooks carry an error.
	TypeUnsupported Type = "unsupported"
	// TypeRequestWelcome is the inbound event of a consumer opening a chat
	// with the business for the first time; it carries no object.
	TypeRequestWelcome Type = "request_welcome"
)

// IsMedia reports whether the type carries a media object.
func (t Type) IsMedia() bool {
	switch t {
	case TypeImage, TypeAudio, TypeVideo, TypeDocument, TypeSticker:
		return true
	}
	return false
}

// Status is where a message is in its lifecycle.
type Status string

// Message statuses. Outbound messages go accepted → sent → delivered → read, or to
// failed; inbound messages are received, then read once the business marks them.
const (
	StatusAccepted  Status = "accepted"
	StatusSent      Status = "sent"
	StatusDelivered Status = "delivered"
	StatusRead      Status = "read"
	StatusFailed    Status = "failed"
	StatusReceived  Status = "received"
)

// Rank orders statuses so that a status never moves backwards: a late "delivered"
// after "read" is ignored. Failed is terminal.
func (s Status) Rank() int {
	switch s {
	case StatusAccepted, StatusReceived:
		return 0
	case StatusSent:
		return 1
	case StatusDelivered:
		return 2
	case StatusRead:
		return 3
	case StatusFailed:
		return 4
	}
	return -1
}

// Message is one WhatsApp message, in or out, of any type. Exactly one of the
// type fields is set, the one named by Type. The JSON names of the type objects are
// the Cloud API's; they are also how a message's content is stored.
type Message struct {
	ID            string    `json:"id"`
	PhoneNumberID string    `json:"phone_number_id"`
	WaID          string    `json:"wa_id"`
	Direction     Direction `json:"direction"`
	Type          Type      `json:"type"`
	Timestamp     time.Time `json:"timestamp"`
	Status        Status    `json:"status"`
	StatusAt      time.Time `json:"status_at"`
	// Error says why a message failed.
	Error *Error `json:"error,omitempty"`
	// Category is the pricing category of an outbound message: service for a
	// free-form reply inside the customer service window, else the template's.
	Category string `json:"category,omitempty"`
	// ConversationID is the 32-hex-digit conversation id status webhooks carry.
	ConversationID string `json:"conversation_id,omitempty"`
	// BizOpaqueCallbackData is echoed in status webhooks.
	BizOpaqueCallbackData string `json:"biz_opaque_callback_data,omitempty"`
	// Input is the recipient exactly as the business wrote it.
	Input string `json:"input,omitempty"`
	// Node is the id of the wabi node whose network owes an outbound message
	// its statuses (see NodeStore); empty for inbound messages and for messages
	// stored before nodes had ids. Bookkeeping among nodes, never on the wire.
	Node string `json:"-"`

	Content
}

// Content is what a message says: its context and exactly one type object.
type Content struct {
	Context     *Context       `json:"context,omitempty"`
	Text        *Text          `json:"text,omitempty"`
	Image       *Media         `json:"image,omitempty"`
	Audio       *Media         `json:"audio,omitempty"`
	Video       *Media         `json:"video,omitempty"`
	Document    *Media         `json:"document,omitempty"`
	Sticker     *Media         `json:"sticker,omitempty"`
	Location    *Location      `json:"location,omitempty"`
	Contacts    []ContactCard  `json:"contacts,omitempty"`
	Interactive *Interactive   `json:"interactive,omitempty"`
	Template    *TemplateSend  `json:"template,omitempty"`
	Reaction    *Reaction      `json:"reaction,omitempty"`
	Button      *ButtonReply   `json:"button,omitempty"`
	Rendered    *RenderedOffer `json:"rendered,omitempty"`

	// Inbound only.
	Order       *Order       `json:"order,omitempty"`
	System      *System      `json:"system,omitempty"`
	Unsupported *Unsupported `json:"unsupported,omitempty"`
	// Referral is set on an inbound message that a click-to-WhatsApp ad or
	// post started, next to the message's own object.
	Referral *Referral `json:"referral,omitempty"`
}

// MediaOf returns the media object of a media message, or nil.
func (c *Content) MediaOf(t Type) *Media {
	switch t {
	case TypeImage:
		return c.Image
	case TypeAudio:
		return c.Audio
	case TypeVideo:
		return c.Video
	case TypeDocument:
		return c.Document
	case TypeSticker:
		return c.Sticker
	}
	return nil
}

// SetMedia sets the media object of a media message type.
func (c *Content) SetMedia(t Type, m *Media) {
	switch t {
	case TypeImage:
		c.Image = m
	case TypeAudio:
		c.Audio = m
	case TypeVideo:
		c.Video = m
	case TypeDocument:
		c.Document = m
	case TypeSticker:
		c.Sticker = m
	}
}

// Context makes a message a reply to another (the quoted bubble).
type Context struct {
	MessageID string `json:"message_id,omitempty"`
	// From is set on inbound replies: the business number the quoted message came from.
	From      string `json:"from,omitempty"`
	Forwarded bool   `json:"forwarded,omitempty"`
}

// Text is a text message.
type Text struct {
	Body       string `json:"body"`
	PreviewURL bool   `json:"preview_url,omitempty"`
}

// Media is an image, audio, video, document or sticker, by uploaded id or by link.
type Media struct {
	ID       string `json:"id,omitempty"`
	Link     string `json:"link,omitempty"`
	Caption  string `json:"caption,omitempty"`
	Filename string `json:"filename,omitempty"`
	MimeType string `json:"mime_type,omitempty"`
	SHA256   string `json:"sha256,omitempty"`
	Voice    bool   `json:"voice,omitempty"`
	Animated bool   `json:"animated,omitempty"`
	// Provider names the On-Premises media provider whose credentials fetch Link.
	Provider *MediaProviderRef `json:"provider,omitempty"`
}

// MediaProviderRef names a media provider.
type MediaProviderRef struct {
	Name string `json:"name"`
}

// ProviderName returns the name of the media's provider, or "".
func (m *Media) ProviderName() string {
	if m.Provider == nil {
		return ""
	}
	return m.Provider.Name
}

// Location is a location pin. Coordinates arrive as numbers or strings and are
// kept as numbers.
type Location struct {
	Latitude  *Float `json:"latitude"`
	Longitude *Float `json:"longitude"`
	Name      string `json:"name,omitempty"`
	Address   string `json:"address,omitempty"`
	URL       string `json:"url,omitempty"`
}

// ContactCard is one contact of a contacts message.
type ContactCard struct {
	Name      *ContactName     `json:"name,omitempty"`
	Phones    []ContactPhone   `json:"phones,omitempty"`
	Emails    []ContactEmail   `json:"emails,omitempty"`
	Addresses []ContactAddress `json:"addresses,omitempty"`
	Org       *ContactOrg      `json:"org,omitempty"`
	URLs      []ContactURL     `json:"urls,omitempty"`
	Birthday  string           `json:"birthday,omitempty"`
}

// ContactName is a contact's name.
type ContactName struct {
	FormattedName string `json:"formatted_name"`
	FirstName     string `json:"first_name,omitempty"`
	LastName      string `json:"last_name,omitempty"`
	MiddleName    string `json:"middle_name,omitempty"`
	Suffix        string `json:"suffix,omitempty"`
	Prefix        string `json:"prefix,omitempty"`
}

// ContactPhone is a contact's phone number.
type ContactPhone struct {
	Phone string `json:"phone,omitempty"`
	Type  string `json:"type,omitempty"`
	WaID  string `json:"wa_id,omitempty"`
}

// ContactEmail is a contact's email address.
type ContactEmail struct {
	Email string `json:"email,omitempty"`
	Type  string `json:"type,omitempty"`
}

// ContactAddress is a contact's postal address.
type ContactAddress struct {
	Street      string `json:"street,omitempty"`
	City        string `json:"city,omitempty"`
	State       string `json:"state,omitempty"`
	Zip         string `json:"zip,omitempty"`
	Country     string `json:"country,omitempty"`
	CountryCode string `json:"country_code,omitempty"`
	Type        string `json:"type,omitempty"`
}

// ContactOrg is a contact's organisation.
type ContactOrg struct {
	Company    string `json:"company,omitempty"`
	Department string `json:"department,omitempty"`
	Title      string `json:"title,omitempty"`
}

// ContactURL is a contact's web address.
type ContactURL struct {
	URL  string `json:"url,omitempty"`
	Type string `json:"type,omitempty"`
}

// Interactive types.
const (
	InteractiveButton          = "button"
	InteractiveList            = "list"
	InteractiveProduct         = "product"
	InteractiveProductList     = "product_list"
	InteractiveCatalog         = "catalog_message"
	InteractiveCTAURL          = "cta_url"
	InteractiveFlow            = "flow"
	InteractiveLocationRequest = "location_request_message"
	InteractiveButtonReply     = "button_reply" // inbound
	InteractiveListReply       = "list_reply"   // inbound
	InteractiveNFMReply        = "nfm_reply"    // inbound
)

// Interactive is an interactive message (outbound) or a reply to one (inbound).
type Interactive struct {
	Type   string             `json:"type"`
	Header *InteractiveHeader `json:"header,omitempty"`
	Body   *InteractiveText   `json:"body,omitempty"`
	Footer *InteractiveText   `json:"footer,omitempty"`
	Action *Action            `json:"action,omitempty"`

	// Inbound replies.
	ButtonReply *ReplyChoice `json:"button_reply,omitempty"`
	ListReply   *ReplyChoice `json:"list_reply,omitempty"`
	NFMReply    *NFMReply    `json:"nfm_reply,omitempty"`
}

// InteractiveHeader is the header of an interactive message: text or media.
type InteractiveHeader struct {
	Type     string `json:"type"`
	Text     string `json:"text,omitempty"`
	Image    *Media `json:"image,omitempty"`
	Video    *Media `json:"video,omitempty"`
	Document *Media `json:"document,omitempty"`
}

// InteractiveText is the body or footer of an interactive message.
type InteractiveText struct {
	Text string `json:"text"`
}

// Action is what an interactive message offers. Which fields apply depends on the
// interactive type.
type Action struct {
	Buttons           []ActionButton  `json:"buttons,omitempty"`
	Button            string          `json:"button,omitempty"`
	Sections          []Section       `json:"sections,omitempty"`
	CatalogID         string          `json:"catalog_id,omitempty"`
	ProductRetailerID string          `json:"product_retailer_id,omitempty"`
	Name              string          `json:"name,omitempty"`
	Parameters        json.RawMessage `json:"parameters,omitempty"`
}

// ActionButton is a reply button.
type ActionButton struct {
	Type  string       `json:"type"`
	Reply *ReplyChoice `json:"reply,omitempty"`
}

// ReplyChoice is a reply button or list row, offered or chosen.
type ReplyChoice struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

// Section is a section of a list or product list.
type Section struct {
	Title        string        `json:"title,omitempty"`
	Rows         []ReplyChoice `json:"rows,omitempty"`
	ProductItems []ProductItem `json:"product_items,omitempty"`
}

// ProductItem names a catalog product.
type ProductItem struct {
	ProductRetailerID string `json:"product_retailer_id"`
}

// NFMReply is the answer of a completed flow.
type NFMReply struct {
	Name         string `json:"name,omitempty"`
	Body         string `json:"body,omitempty"`
	ResponseJSON string `json:"response_json,omitempty"`
}

// TemplateSend is a template message: which template, and its parameters.
type TemplateSend struct {
	// Namespace is the WABA's template namespace; the On-Premises API requires it.
	Namespace  string              `json:"namespace,omitempty"`
	Name       string              `json:"name"`
	Language   *TemplateLanguage   `json:"language,omitempty"`
	Components []TemplateParamComp `json:"components,omitempty"`
}

// TemplateLanguage picks a template's translation.
type TemplateLanguage struct {
	Code   string `json:"code"`
	Policy string `json:"policy,omitempty"`
}

// TemplateParamComp carries the parameters of one template component.
type TemplateParamComp struct {
	Type       string          `json:"type"`
	SubType    string          `json:"sub_type,omitempty"`
	Index      json.RawMessage `json:"index,omitempty"`
	Parameters []TemplateParam `json:"parameters,omitempty"`
}

// TemplateParam is one parameter value.
type TemplateParam struct {
	Type          string          `json:"type"`
	ParameterName string          `json:"parameter_name,omitempty"`
	Text          *string         `json:"text,omitempty"`
	Payload       *string         `json:"payload,omitempty"`
	Currency      *Currency       `json:"currency,omitempty"`
	DateTime      *DateTime       `json:"date_time,omitempty"`
	Image         *Media          `json:"image,omitempty"`
	Video         *Media          `json:"video,omitempty"`
	Document      *Media          `json:"document,omitempty"`
	Location      *Location       `json:"location,omitempty"`
	CouponCode    *string         `json:"coupon_code,omitempty"`
	Action        json.RawMessage `json:"action,omitempty"`
}

// Currency is a currency template parameter.
type Currency struct {
	FallbackValue string `json:"fallback_value"`
	Code          string `json:"code"`
	Amount1000    int64  `json:"amount_1000"`
}

// DateTime is a date_time template parameter; only its fallback value is shown.
type DateTime struct {
	FallbackValue string `json:"fallback_value"`
}

// Reaction is an emoji reaction to a message; an empty emoji removes it.
type Reaction struct {
	MessageID string `json:"message_id"`
	Emoji     string `json:"emoji"`
}

// ButtonReply is an inbound tap on a template quick-reply button.
type ButtonReply struct {
	Payload string `json:"payload"`
	Text    string `json:"text"`
}

// Order is the cart a consumer sends from a business's catalog.
type Order struct {
	CatalogID    string      `json:"catalog_id"`
	Text         string      `json:"text"`
	ProductItems []OrderItem `json:"product_items"`
}

// OrderItem is one line of an order.
type OrderItem struct {
	ProductRetailerID string  `json:"product_retailer_id"`
	Quantity          int     `json:"quantity"`
	ItemPrice         float64 `json:"item_price"`
	Currency          string  `json:"currency"`
}

// System notice types, as the Cloud API names them.
const (
	SystemUserChangedNumber       = "user_changed_number"
	SystemCustomerIdentityChanged = "customer_identity_changed"
)

// System is a notice about the consumer rather than a message from them.
type System struct {
	Body string `json:"body,omitempty"`
	Type string `json:"type"`
	// WaID is the consumer's new WhatsApp id after user_changed_number.
	WaID string `json:"wa_id,omitempty"`
	// Identity is the hash of the consumer's new identity key after
	// customer_identity_changed.
	Identity string `json:"identity,omitempty"`
}

// Unsupported says what kind of message the consumer sent that WhatsApp
// cannot show the business.
type Unsupported struct {
	Type string `json:"type,omitempty"`
}

// Referral tells which ad or post a consumer tapped to start the chat.
type Referral struct {
	SourceURL      string          `json:"source_url"`
	SourceID       string          `json:"source_id"`
	SourceType     string          `json:"source_type"`
	Body           string          `json:"body,omitempty"`
	Headline       string          `json:"headline,omitempty"`
	MediaType      string          `json:"media_type,omitempty"`
	ImageURL       string          `json:"image_url,omitempty"`
	VideoURL       string          `json:"video_url,omitempty"`
	ThumbnailURL   string          `json:"thumbnail_url,omitempty"`
	CTWAClid       string          `json:"ctwa_clid,omitempty"`
	WelcomeMessage *WelcomeMessage `json:"welcome_message,omitempty"`
}

// WelcomeMessage is the text an ad pre-filled for the consumer.
type WelcomeMessage struct {
	Text string `json:"text"`
}

// RenderedOffer is how a template looked on the consumer's phone after its
// parameters were filled in.
type RenderedOffer struct {
	Header  string   `json:"header,omitempty"`
	Body    string   `json:"body,omitempty"`
	Footer  string   `json:"footer,omitempty"`
	Buttons []string `json:"buttons,omitempty"`
}

// StatusUpdate is a change of an outbound message's status, as the network reports it.
type StatusUpdate struct {
	MessageID string    `json:"message_id"`
	Status    Status    `json:"status"`
	Timestamp time.Time `json:"timestamp"`
	Error     *Error    `json:"error,omitempty"`
}

// SendResult is what a send returns: the wamid and the normalised recipient.
type SendResult struct {
	MessageID string `json:"message_id"`
	Input     string `json:"input"`
	WaID      string `json:"wa_id"`
}
