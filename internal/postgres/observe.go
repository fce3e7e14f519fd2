package postgres

import "time"

// CommitObserver is told of every group commit of a store's writer: how long
// it took, from the start of its transaction to the answers of its callers,
// and how many write requests it carried. It runs on the writer goroutine, so
// it must be quick (an atomic add, a histogram observation).
type CommitObserver func(took time.Duration, requests int)

// ObserveCommits has f told of every group commit from now on; nil stops it.
// It may be called while the store is in use.
func (s *Store) ObserveCommits(f CommitObserver) {
	if f == nil {
		s.w.observe.Store(nil)
		return
	}
	s.w.observe.Store(&f)
}

// observed tells the observer, if any, of a group commit that began at start.
func (w *writer) observed(start time.Time, requests int) {
	if f := w.observe.Load(); f != nil {
		(*f)(time.Since(start), requests)
	}
}
