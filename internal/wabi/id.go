package wabi

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// IDSource makes identifiers. Numeric ids and wamids are time-ordered, so that they
// land at the end of the store's indexes.
type IDSource interface {
	// NewID returns a numeric id of 16–17 decimal digits, as Graph object ids are.
	NewID() string
	// NewWAMID returns a message id in Meta's wamid format for a chat with waID.
	NewWAMID(waID string, outbound bool) string
	// NewSecret returns n random bytes, URL-safe base64 encoded, for tokens and secrets.
	NewSecret(n int) string
}

// idEpoch is where time-ordered ids start counting milliseconds.
var idEpoch = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// IDGen is the default IDSource: 64-bit ids made of milliseconds since 2020, a node
// number and a sequence, like Snowflake ids.
type IDGen struct {
	Clock Clock
	// Node tells nodes sharing one database apart (0–15). Default 0.
	Node uint64

	mu     sync.Mutex
	lastMS uint64
	seq    uint64
}

// NewIDGen returns an IDGen reading the given clock.
func NewIDGen(c Clock) *IDGen { return &IDGen{Clock: c} }

func (g *IDGen) next() uint64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	ms := uint64(g.Clock.Now().Sub(idEpoch).Milliseconds())
	if ms <= g.lastMS {
		ms = g.lastMS
		g.seq++
		if g.seq >= 1<<12 {
			// Out of sequence numbers for this millisecond: borrow the next one.
			ms++
			g.seq = 0
		}
	} else {
		g.seq = 0
	}
	g.lastMS = ms
	return ms<<16 | (g.Node&0xf)<<12 | g.seq
}

// NewID returns a fresh numeric id.
func (g *IDGen) NewID() string { return strconv.FormatUint(g.next()+1e15, 10) }

// NewWAMID returns "wamid." and the base64 of a Thrift-compact struct laid out as
// Meta's ids are: the chat's wa_id, the direction, and a 20-hex-digit message key.
func (g *IDGen) NewWAMID(waID string, outbound bool) string {
	key := fmt.Sprintf("%016X%s", g.next(), strings.ToUpper(hex.EncodeToString(randomBytes(2))))
	b := make([]byte, 0, 16+len(waID)+len(key))
	b = append(b, 0x1c, 0x18, byte(len(waID)))
	b = append(b, waID...)
	b = append(b, 0x15, 0x02, 0x00)
	if outbound {
		b = append(b, 0x11)
	} else {
		b = append(b, 0x12)
	}
	b = append(b, 0x18, byte(len(key)))
	b = append(b, key...)
	b = append(b, 0x00)
	return "wamid." + base64.StdEncoding.EncodeToString(b)
}

// NewSecret returns n random bytes as URL-safe base64 without padding.
func (g *IDGen) NewSecret(n int) string {
	return base64.RawURLEncoding.EncodeToString(randomBytes(n))
}

// RandomHex returns n random bytes as lowercase hex.
func RandomHex(n int) string { return hex.EncodeToString(randomBytes(n)) }

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("wabi: crypto/rand failed: " + err.Error())
	}
	return b
}

// WaIDOfWAMID returns the wa_id a wamid was made for, or "" if the id is not in the
// layout NewWAMID writes.
func WaIDOfWAMID(id string) string {
	raw, ok := strings.CutPrefix(id, "wamid.")
	if !ok {
		return ""
	}
	b, err := base64.StdEncoding.DecodeString(raw)
	if err != nil || len(b) < 3 || b[0] != 0x1c || b[1] != 0x18 || int(b[2])+3 > len(b) {
		return ""
	}
	return string(b[3 : 3+int(b[2])])
}
