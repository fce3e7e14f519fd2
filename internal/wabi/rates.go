package wabi

// RateStore keeps the token buckets of Meta's rate limits (throughput per
// number, pair rate per customer, management calls per app and WABA), so that
// a limit holds across every node sharing the store.
type RateStore interface {
}
