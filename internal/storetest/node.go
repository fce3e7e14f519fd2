package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/wabihq/wabi/internal/wabi"
)

// owned returns an outbound text message of node.
func owned(id, node string, n int, status wabi.Status) *wabi.Message {
	m := text(id, "phone1", "wa1", wabi.Outbound, at(n), status)
	m.Node = node
	return m
}

// adopted returns copies of ms as adoption by node leaves them.
func adopted(node string, ms ...*wabi.Message) []*wabi.Message {
	out := make([]*wabi.Message, len(ms))
	for i, m := range ms {
		c := *m
		c.Node = node
		out[i] = &c
	}
	return out
}

// testAdoptMessages checks which messages a node takes over: the unfinished
// outbound ones of nodes without a heartbeat since the cut, or with none at
// all, oldest first, never its own, a live node's, a finished or inbound one.
func testAdoptMessages(t *testing.T, s wabi.Store) {
	ctx := context.Background()
	fromA := owned("a accepted", "a", 1, wabi.StatusAccepted)
	legacy := owned("legacy", "", 2, wabi.StatusSent) // stored before nodes had ids
	fromB := owned("b accepted", "b", 3, wabi.StatusAccepted)
	fromA2 := owned("a delivered", "a", 4, wabi.StatusDelivered)
	ghost := owned("ghost sent", "ghost", 5, wabi.StatusSent) // no heartbeat ever
	read := owned("a read", "a", 6, wabi.StatusRead)
	failed := owned("a failed", "a", 7, wabi.StatusFailed)
	in := text("a inbound", "phone1", "wa1", wabi.Inbound, at(8), wabi.StatusReceived)
	in.Node = "a"
	mine := owned("c accepted", "c", 9, wabi.StatusAccepted)
	old := owned("a old", "a", -100, wabi.StatusAccepted)
	later := owned("a later", "a", 10, wabi.StatusAccepted)
	must(t, s.Commit(ctx, &wabi.Batch{Messages: []*wabi.Message{
		fromA, legacy, fromB, fromA2, ghost, read, failed, in, mine, old, later}}))
	// later finishes before anyone adopts it.
	must(t, s.Commit(ctx, &wabi.Batch{Statuses: []wabi.StatusChange{
		{MessageID: later.ID, Status: wabi.StatusRead, At: at(11)}}}))
	must(t, s.Heartbeat(ctx, "a", at(0)))
	must(t, s.Heartbeat(ctx, "a", at(-5))) // late: must not make a look dead sooner
	must(t, s.Heartbeat(ctx, "b", at(20)))
	must(t, s.Heartbeat(ctx, "c", at(20)))

	adopt := func(deadBefore, limit int) result {
		return res(s.AdoptMessages(ctx, "c", at(deadBefore), at(-10), limit))
	}
	wantAll(t, []check{
		// a beat at 0, which is not before 0: only the nodes without a heartbeat.
		{"adopt, a alive", adopt(0, 10), adopted("c", legacy, ghost)},
		{"adopt again", adopt(0, 10), []*wabi.Message{}},
		// At 10, a is dead too; its messages come oldest first, limit at a time.
		{"adopt a, first", adopt(10, 1), adopted("c", fromA)},
		{"adopt a, rest", adopt(10, 10), adopted("c", fromA2)},
		{"adopt, nothing left", adopt(10, 10), []*wabi.Message{}},
		{"adopt, no room", adopt(10, 0), []*wabi.Message{}},
		{"b's message", res(s.Message(ctx, fromB.ID)), fromB},
		{"a's read message", res(s.Message(ctx, read.ID)), read},
		{"a's failed message", res(s.Message(ctx, failed.ID)), failed},
		{"a's inbound message", res(s.Message(ctx, in.ID)), in},
		{"a's message older than since", res(s.Message(ctx, old.ID)), old},
		{"a's message finished in time", res(s.Message(ctx, later.ID)).status(), wabi.StatusRead},
		{"an adopted message", res(s.Message(ctx, fromA.ID)), adopted("c", fromA)[0]},
		{"Unfinished", res(s.Unfinished(ctx, at(-10))).ids(),
			[]string{fromA.ID, legacy.ID, fromB.ID, fromA2.ID, ghost.ID, mine.ID}},
	})

	// The adoption at 10 forgot a's heartbeat: a new message of a is a dead
	// node's even for a cut long before a's last heartbeat.
	back := owned("a back", "a", 12, wabi.StatusSent)
	must(t, s.Commit(ctx, &wabi.Batch{Messages: []*wabi.Message{back}}))
	wantAll(t, []check{
		{"adopt after a was forgotten", adopt(-50, 10), adopted("c", back)},
	})
	// A heartbeat brings a node back: its new messages are its own again. At
	// 25, b (last seen at 20) is dead, and so would c be, but c never adopts
	// from itself.
	must(t, s.Heartbeat(ctx, "a", at(30)))
	again := owned("a again", "a", 31, wabi.StatusSent)
	must(t, s.Commit(ctx, &wabi.Batch{Messages: []*wabi.Message{again}}))
	wantAll(t, []check{
		{"adopt at 25", adopt(25, 10), adopted("c", fromB)},
		{"a's message after its heartbeat", res(s.Message(ctx, again.ID)), again},
	})
}

// status returns the status of a message or its error, for tables of checks.
func (r result) status() result {
	if r.err != nil {
		return r
	}
	return result{r.v.(*wabi.Message).Status, nil}
}

// testConcurrentAdoptions has several living nodes adopt a dead node's
// messages at once and checks that each message goes to exactly one of them,
// the one the store then names as its node.
func testConcurrentAdoptions(t *testing.T, s wabi.Store) {
	ctx := context.Background()
	const n, nodes = 90, 6
	ms := make([]*wabi.Message, n)
	for i := range ms {
		ms[i] = owned(fmt.Sprintf("m%03d", i), "dead", i, wabi.StatusSent)
	}
	must(t, s.Commit(ctx, &wabi.Batch{Messages: ms}))
	must(t, s.Heartbeat(ctx, "dead", at(0)))
	for i := range nodes {
		must(t, s.Heartbeat(ctx, fmt.Sprintf("n%d", i), at(200)))
	}
	got := make([][]string, nodes)
	errs := make([]error, nodes)
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Go(func() {
			node := fmt.Sprintf("n%d", i)
			// Bounded, so that a store handing messages out twice fails
			// instead of looping.
			for range n {
				ms, err := s.AdoptMessages(ctx, node, at(100), at(-1), 4)
				if err != nil || len(ms) == 0 {
					errs[i] = err
					return
				}
				for _, m := range ms {
					if m.Node != node {
						errs[i] = fmt.Errorf("%s adopted %s, which says its node is %q", node, m.ID, m.Node)
						return
					}
					got[i] = append(got[i], m.ID)
				}
			}
		})
	}
	wg.Wait()
	var all []string
	for i := range nodes {
		must(t, errs[i])
		all = append(all, got[i]...)
		for _, id := range got[i] {
			m, err := s.Message(ctx, id)
			must(t, err)
			if want := fmt.Sprintf("n%d", i); m.Node != want {
				t.Errorf("%s: stored node %q, want %q, which adopted it", id, m.Node, want)
			}
		}
	}
	slices.Sort(all)
	wantEqual(t, "messages adopted by all nodes together", all, ids(ms))
}
