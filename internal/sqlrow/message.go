package sqlrow

import "github.com/wabihq/wabi/internal/wabi"

// MessageCols are the columns of a message, in the order of ScanMessage and
// MessageArgs. The error is JSON or NULL, the content JSON.
const MessageCols = `id, phone_number_id, wa_id, direction, type, timestamp, status, status_rank,
	status_at, error, category, conversation_id, biz_opaque, input, content, node`

// ScanMessage reads a row of MessageCols.
func ScanMessage(sc Scanner) (*wabi.Message, error) {
	var m wabi.Message
	var ts, statusAt int64
	var rank int
	var errJSON *string // NULL when the message has no error
	var content string
	if err := sc.Scan(&m.ID, &m.PhoneNumberID, &m.WaID, &m.Direction, &m.Type, &ts, &m.Status, &rank,
		&statusAt, &errJSON, &m.Category, &m.ConversationID, &m.BizOpaqueCallbackData, &m.Input,
		&content, &m.Node); err != nil {
		return nil, err
	}
	m.Timestamp = FromNanos(ts)
	m.StatusAt = FromNanos(statusAt)
	if errJSON != nil {
		m.Error = new(wabi.Error)
		if err := FromJSON(*errJSON, m.Error); err != nil {
			return nil, err
		}
	}
	return &m, FromJSON(content, &m.Content)
}

// ErrorJSON encodes a message's error for its nullable column: nil, which binds
// as NULL, when there is none.
func ErrorJSON(e *wabi.Error) (any, error) {
	if e == nil {
		return nil, nil
	}
	return ToJSON(e)
}

// MessageArgs returns the values of MessageCols.
func MessageArgs(m *wabi.Message) ([]any, error) {
	errJSON, err := ErrorJSON(m.Error)
	if err != nil {
		return nil, err
	}
	content, err := ToJSON(m.Content)
	if err != nil {
		return nil, err
	}
	return []any{m.ID, m.PhoneNumberID, m.WaID, string(m.Direction), string(m.Type), Nanos(m.Timestamp),
		string(m.Status), m.Status.Rank(), Nanos(m.StatusAt), errJSON, m.Category, m.ConversationID,
		m.BizOpaqueCallbackData, m.Input, content, m.Node}, nil
}
