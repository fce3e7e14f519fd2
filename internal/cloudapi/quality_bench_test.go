package cloudapi_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/wabihq/wabi/internal/wabi"
)

// BenchmarkSendTemplateLimits sends templates to 32 customers in turn, whose
// windows are closed, with the limits off and on, in one run: the cost of the
// messaging limit on business-initiated sends. "on" also checks the blocks,
// the throughput upgrade, the restriction and the rating (cache reads), and
// records each customer reached in the store, under TIER_100K.
func BenchmarkSendTemplateLimits(b *testing.B) {
	benchLimitsOnOff(b, func(b *testing.B, s *stack, on bool) [][]byte {
		if on {
			if _, err := s.p.SetMessagingLimit(context.Background(), s.demo.Business.ID, wabi.Tier100K); err != nil {
				b.Fatal(err)
			}
		}
		bodies := make([][]byte, 32)
		for i := range bodies {
			bodies[i] = []byte(fmt.Sprintf(`{"messaging_product":"whatsapp","to":"155580000%02d","type":"template",`+
				`"template":{"name":"hello_world","language":{"code":"en_US"}}}`, i))
		}
		return bodies
	})
}
