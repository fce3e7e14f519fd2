package bus

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/wabihq/wabi/internal/wabi"
)

// inbox collects the payloads a subscriber gets.
type inbox struct {
	mu  sync.Mutex
	got []string
}

func (b *inbox) add(p []byte) {
	b.mu.Lock()
	b.got = append(b.got, string(p))
	b.mu.Unlock()
}

func (b *inbox) take() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	got := b.got
	b.got = nil
	return got
}

// TestLocal tells the story of three nodes: a notice reaches the subscribers of
// its topic on the other nodes, in order, and neither its publisher nor
// subscribers of other topics; a cancelled subscription gets nothing more.
func TestLocal(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var l Local
	a, b, c := l.Node(), l.Node(), l.Node()
	var onA, onB, onC, otherTopic inbox
	a.Subscribe("cache", onA.add)
	cancelB := b.Subscribe("cache", onB.add)
	c.Subscribe("cache", onC.add)
	c.Subscribe("live", otherTopic.add)

	for _, p := range []string{"one", "two"} {
		if err := a.Publish(ctx, "cache", []byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	if got := onA.take(); len(got) != 0 {
		t.Errorf("the publisher got its own notices %q", got)
	}
	for name, in := range map[string]*inbox{"b": &onB, "c": &onC} {
		if got := strings.Join(in.take(), ","); got != "one,two" {
			t.Errorf("node %s got %q, want one,two", name, got)
		}
	}
	if got := otherTopic.take(); len(got) != 0 {
		t.Errorf("a subscriber of another topic got %q", got)
	}

	cancelB()
	if err := c.Publish(ctx, "cache", []byte("three")); err != nil {
		t.Fatal(err)
	}
	if got := onB.take(); len(got) != 0 {
		t.Errorf("a cancelled subscription got %q", got)
	}
	if got := strings.Join(onA.take(), ","); got != "three" {
		t.Errorf("node a got %q from c, want three", got)
	}
}

// TestLocalOwnsPayload checks that a subscriber gets its own copy: the
// publisher reusing its buffer does not change what was delivered.
func TestLocalOwnsPayload(t *testing.T) {
	t.Parallel()
	var l Local
	a, b := l.Node(), l.Node()
	var kept []byte
	b.Subscribe("t", func(p []byte) { kept = p })
	buf := []byte("before")
	if err := a.Publish(context.Background(), "t", buf); err != nil {
		t.Fatal(err)
	}
	copy(buf, "after!")
	if string(kept) != "before" {
		t.Errorf("subscriber's payload changed to %q", kept)
	}
}

// TestLocalRefuses checks that the in-process bus refuses what PostgreSQL could
// not carry, so that a bug shows in single-process tests too.
func TestLocalRefuses(t *testing.T) {
	t.Parallel()
	var l Local
	a, b := l.Node(), l.Node()
	var got inbox
	b.Subscribe("ok", got.add)
	for _, tc := range []struct {
		name, topic string
		payload     []byte
	}{
		{"empty topic", "", []byte("x")},
		{"upper-case topic", "Cache", []byte("x")},
		{"topic with a space", "a b", []byte("x")},
		{"long topic", strings.Repeat("t", 33), []byte("x")},
		{"payload over the limit", "ok", make([]byte, wabi.MaxNotice+1)},
		{"NUL byte", "ok", []byte("a\x00b")},
		{"not UTF-8", "ok", []byte{0xff, 0xfe}},
	} {
		if err := a.Publish(context.Background(), tc.topic, tc.payload); wabi.ErrorCode(err) != wabi.EInvalidParam {
			t.Errorf("%s: Publish = %v, want %s", tc.name, err, wabi.EInvalidParam)
		}
	}
	if err := a.Publish(context.Background(), "ok", []byte(strings.Repeat("é", wabi.MaxNotice/2))); err != nil {
		t.Errorf("a payload of exactly MaxNotice bytes: %v", err)
	}
	if n := len(got.take()); n != 1 {
		t.Errorf("subscriber got %d notices, want only the valid one", n)
	}
}
