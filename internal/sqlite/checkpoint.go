package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync/atomic"
	"time"
)

// SQLite checkpoints its WAL from the connection that commits, once the WAL
// holds wal_autocheckpoint pages: the writer goroutine would copy every page
// back to the database file and fsync it, and every caller of the group behind
// would wait. So a checkpointer goroutine on a connection of its own copies the
// pages in the background (a passive checkpoint, which never blocks the writer
// or readers), woken by the writer's commits.
//
// A passive checkpoint cannot restart the WAL while the writer keeps appending
// to it; only a checkpoint that finds every frame copied lets the next
// transaction write the WAL from its start again. The writer's own automatic
// checkpoint, at walAutocheckpoint pages, does that: by then the checkpointer
// has copied nearly everything, so it costs the writer a few pages and one
// fsync where it used to cost the whole WAL every 1,000 pages.

// walAutocheckpoint is the writer connection's wal_autocheckpoint, in pages.
const walAutocheckpoint = 4096

// checkpointEvery is the least time between two background checkpoints: a page
// written again soon is copied once, and an idle store is not checkpointed at
// all.
const checkpointEvery = 20 * time.Millisecond

// checkpointer runs passive checkpoints on its own connection.
type checkpointer struct {
	db   *sql.DB
	wake chan struct{} // capacity 1: a commit since the last checkpoint
	stop chan struct{}
	done chan struct{}

	// runs counts the checkpoints that ran; last is the WAL's size in frames and
	// how many of them were copied, as of the last one (log<<32 | copied).
	runs atomic.Int64
	last atomic.Int64
}

func newCheckpointer(path string) (*checkpointer, error) {
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open checkpointer: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	c := &checkpointer{db: db, wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c, nil
}

// committed tells the checkpointer that the WAL grew. It never blocks.
func (c *checkpointer) committed() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *checkpointer) run() {
	defer close(c.done)
	ctx := context.Background()
	for {
		select {
		case <-c.stop:
			return
		case <-c.wake:
		}
		var busy, log, copied int64
		// A failure (SQLITE_BUSY while another checkpoint runs, say) leaves the
		// pages to the next one, or to the writer's automatic checkpoint.
		if err := c.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &log, &copied); err == nil {
			c.runs.Add(1)
			c.last.Store(log<<32 | copied&0xffffffff)
		}
		select {
		case <-c.stop:
			return
		case <-time.After(checkpointEvery):
		}
	}
}

// close stops the goroutine and closes the connection.
func (c *checkpointer) close() error {
	close(c.stop)
	<-c.done
	return c.db.Close()
}
