package platform_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/postgres"
	"github.com/wabihq/wabi/internal/postgres/pgtest"
	"github.com/wabihq/wabi/internal/wabi"
)

// TestMessagingLimitAcrossNodes: two nodes, each with its own store on one
// PostgreSQL schema, send templates at once to new customers of a business
// with ten places left under its limit: ten go, the others fail with
// EMessagingLimit, whichever node sent them.
func TestMessagingLimitAcrossNodes(t *testing.T) {
	dbURL := pgtest.Schema(t)
	ctx := context.Background()
	open := func() wabi.Store {
		s, err := postgres.Open(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	storeB := open()
	t.Cleanup(func() { storeB.Close() })
	c := newCluster(t, open())
	nodes := []*platform.Platform{c.node(t, "a", idleNetwork{}), c.nodeOn(t, storeB, "b", idleNetwork{})}
	for _, p := range nodes {
		p.Limits = platform.MetaLimits()
	}
	if _, err := nodes[0].SetMessagingLimit(ctx, c.demo.Business.ID, wabi.Tier250); err != nil {
		t.Fatal(err)
	}
	now := c.clock.Now()
	for i := range 240 {
		if _, err := c.store.AddReach(ctx, wabi.Reach{BusinessID: c.demo.Business.ID, PhoneNumberID: c.demo.Phone.ID,
			WaID: fmt.Sprintf("1999000%04d", i), At: now}, now.Add(-platform.LimitWindow), -1); err != nil {
			t.Fatal(err)
		}
	}
	const perNode = 15
	var mu sync.Mutex
	sent, limited := map[string]int{}, 0
	var wg sync.WaitGroup
	for n, p := range nodes {
		for i := range perNode {
			wg.Go(func() {
				res, err := p.Send(ctx, platform.Admin, platform.SendRequest{Via: wabi.PlatformCloud, PhoneNumberID: c.demo.Phone.ID,
					To: fmt.Sprintf("1555020%d%03d", n, i), Message: &wabi.Message{Type: wabi.TypeTemplate, Content: wabi.Content{
						Template: &wabi.TemplateSend{Name: "hello_world", Language: &wabi.TemplateLanguage{Code: "en_US"}}}}})
				if err != nil {
					t.Error(err)
					return
				}
				m, err := c.store.Message(ctx, res.MessageID)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				switch {
				case m.Status != wabi.StatusFailed:
					sent[p.NodeID]++
				case m.Error != nil && m.Error.Code == wabi.EMessagingLimit:
					limited++
				default:
					t.Errorf("message %s failed with %v", m.ID, m.Error)
				}
			})
		}
	}
	wg.Wait()
	if got := sent["a"] + sent["b"]; got != 10 || limited != 2*perNode-10 {
		t.Errorf("%d sent (%v), %d limited; want 10 sent and %d limited", got, sent, limited, 2*perNode-10)
	}
	reached, err := storeB.Reached(ctx, c.demo.Business.ID, "", now.Add(-platform.LimitWindow))
	if err != nil {
		t.Fatal(err)
	}
	if reached != 250 {
		t.Errorf("the business reached %d customers, want 250", reached)
	}
}
