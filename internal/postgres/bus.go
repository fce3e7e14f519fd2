package postgres

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wabihq/wabi/internal/wabi"
)

// The bus's knobs. Reconnects back off from busRetryMin to busRetryMax; an
// idle listener pings the server every busIdle, so that a connection that died
// silently is noticed; every round trip has busTimeout.
const (
	busRetryMin = 50 * time.Millisecond
	busRetryMax = 5 * time.Second
	busIdle     = 30 * time.Second
	busTimeout  = 5 * time.Second
	busQueue    = 4096 // notices waiting to be sent; more are dropped
	busBatch    = 512  // notices sent in one round trip at most
	notifyMax   = 7999 // PostgreSQL's limit on a NOTIFY payload
	busAppName  = "wabi bus"
	busChannel  = "wabi"
)

// Bus is a wabi.Bus over PostgreSQL's LISTEN/NOTIFY, for the nodes of one
// deployment that share a database. Each node holds two connections of its
// own, outside any pool: one listens, one sends. Both reconnect on their own
// when they break, with backoff; notices published while the listener is away
// are missed by that node, as wabi.Bus allows.
//
// Notices published together go out in one round trip, packed several to a
// NOTIFY, so that a busy node does not pay a commit per notice; the queue
// between Publish and the sender holds a few thousand notices, beyond which
// Publish drops them and the sender logs how many.
type Bus struct {
	// Channel is the PostgreSQL notification channel. Every node of one
	// installation must use the same, and installations that share a
	// database (in different schemas) different ones, since notifications
	// are database-wide. Default: "wabi_" and the schema wabi's tables are in
	// (the connection's current_schema), such as "wabi_public". Set it
	// before Run.
	Channel string
	// Logger logs lost connections and dropped notices. Default slog.Default().
	Logger *slog.Logger

	cfg    *pgx.ConnConfig
	origin string // this node's id in what it sends
	seq    atomic.Uint64
	queue  chan []byte // framed notices
	drops  atomic.Int64

	chMu sync.Mutex // guards Channel once Run started
	mu   sync.RWMutex
	subs map[string][]*busSub

	// listening and sending, when set (by tests), are told the backend pid
	// of every listener connection once it listens, and of every sender
	// connection once it is made.
	listening, sending func(pid uint32)
}

// busSub is one Subscribe call.
type busSub struct {
	fn        func([]byte)
	cancelled atomic.Bool
}

var _ wabi.Bus = (*Bus)(nil)

// NewBus returns a bus on the database at connString (a postgres:// URL or a
// key=value string). It connects when Run starts.
func NewBus(connString string) (*Bus, error) {
	cfg, err := pgx.ParseConfig(connString)
	if err != nil {
		// pgx's message may quote the connection string; the password must not
		// reach a log.
		return nil, errors.New("postgres: the bus's connection string does not parse")
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = busTimeout
	}
	id := make([]byte, 8)
	_, _ = rand.Read(id)
	origin := hex.EncodeToString(id)
	// The node's id in the name tells its connections apart in pg_stat_activity.
	cfg.RuntimeParams["application_name"] = busAppName + " " + origin
	return &Bus{
		cfg:    cfg,
		origin: origin,
		queue:  make(chan []byte, busQueue),
		subs:   map[string][]*busSub{},
	}, nil
}

// channel returns the bus's channel, working out the default on conn the
// first time.
func (b *Bus) channel(ctx context.Context, conn *pgx.Conn) (string, error) {
	b.chMu.Lock()
	defer b.chMu.Unlock()
	if b.Channel != "" {
		return b.Channel, nil
	}
	var schema *string
	if err := conn.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return "", fmt.Errorf("current schema: %w", err)
	}
	b.Channel = busChannel
	if schema != nil {
		b.Channel += "_" + *schema
	}
	if len(b.Channel) > 63 {
		// PostgreSQL's longest name: a long schema name is stood for by its hash.
		sum := sha256.Sum256([]byte(b.Channel))
		b.Channel = busChannel + "_" + hex.EncodeToString(sum[:12])
	}
	return b.Channel, nil
}

func (b *Bus) logger() *slog.Logger {
	if b.Logger != nil {
		return b.Logger
	}
	return slog.Default()
}

// Publish queues payload for the other nodes. It never waits for the
// database: when the queue is full the notice is dropped.
func (b *Bus) Publish(ctx context.Context, topic string, payload []byte) error {
	if err := wabi.CheckNotice(topic, payload); err != nil {
		return err
	}
	// Framed now, as the sender packs it: "<topic> <length>\n<payload>".
	f := make([]byte, 0, len(topic)+len(payload)+8)
	f = append(f, topic...)
	f = append(f, ' ')
	f = strconv.AppendInt(f, int64(len(payload)), 10)
	f = append(f, '\n')
	f = append(f, payload...)
	select {
	case b.queue <- f:
	default:
		b.drops.Add(1)
	}
	return nil
}

// Subscribe calls fn with every notice other nodes publish on topic. Calls
// come one at a time from the listener's goroutine, in the order received.
func (b *Bus) Subscribe(topic string, fn func([]byte)) (cancel func()) {
	s := &busSub{fn: fn}
	b.mu.Lock()
	b.subs[topic] = append(b.subs[topic], s)
	b.mu.Unlock()
	return func() {
		s.cancelled.Store(true)
		b.mu.Lock()
		b.subs[topic] = slices.DeleteFunc(b.subs[topic], func(x *busSub) bool { return x == s })
		b.mu.Unlock()
	}
}

// Run listens and sends until ctx ends; it returns nil then. Lost connections
// are logged and made again, so Run returns nothing else.
func (b *Bus) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Go(func() { b.runListener(ctx) })
	wg.Go(func() { b.runSender(ctx) })
	wg.Wait()
	return nil
}

// runListener keeps a listening connection, reconnecting with backoff.
func (b *Bus) runListener(ctx context.Context) {
	wait := busRetryMin
	for {
		err := b.listen(ctx, func() { wait = busRetryMin })
		if ctx.Err() != nil {
			return
		}
		b.logger().Warn("bus: listener connection lost; notices from other nodes are missed until it is back",
			"retry_in", wait, "err", err)
		if !busSleep(ctx, wait) {
			return
		}
		wait = min(2*wait, busRetryMax)
	}
}

// listen connects, listens on the channel and hands notices to subscribers
// until the connection fails or ctx ends. ok is called once it listens.
func (b *Bus) listen(ctx context.Context, ok func()) error {
	conn, err := b.connect(ctx)
	if err != nil {
		return err
	}
	defer busClose(conn)
	lctx, cancel := context.WithTimeout(ctx, busTimeout)
	ch, err := b.channel(lctx, conn)
	if err == nil {
		_, err = conn.Exec(lctx, "LISTEN "+pgx.Identifier{ch}.Sanitize())
	}
	cancel()
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	ok()
	if b.listening != nil {
		b.listening(conn.PgConn().PID())
	}
	for {
		wctx, cancel := context.WithTimeout(ctx, busIdle)
		n, err := conn.WaitForNotification(wctx)
		idle := errors.Is(wctx.Err(), context.DeadlineExceeded)
		cancel()
		switch {
		case err == nil:
			b.dispatch(n.Payload)
		case ctx.Err() != nil:
			return ctx.Err()
		case idle:
			// Idle for a while: a ping tells a live connection from a dead one.
			pctx, cancel := context.WithTimeout(ctx, busTimeout)
			err = conn.Ping(pctx)
			cancel()
			if err != nil {
				return fmt.Errorf("ping: %w", err)
			}
		default:
			return err
		}
	}
}

// dispatch unpacks one NOTIFY payload, "<origin> <seq>\n" and framed notices,
// and hands each notice of another node to its topic's subscribers.
func (b *Bus) dispatch(raw string) {
	head, rest, ok := strings.Cut(raw, "\n")
	origin, _, _ := strings.Cut(head, " ")
	if !ok || origin == b.origin {
		return
	}
	for rest != "" {
		var topic, size string
		if topic, rest, ok = strings.Cut(rest, " "); !ok {
			break
		}
		if size, rest, ok = strings.Cut(rest, "\n"); !ok {
			break
		}
		n, err := strconv.Atoi(size)
		if err != nil || n < 0 || n > len(rest) {
			break
		}
		payload := rest[:n]
		rest = rest[n:]
		b.mu.RLock()
		subs := b.subs[topic]
		b.mu.RUnlock()
		for _, s := range subs {
			if !s.cancelled.Load() {
				s.fn([]byte(payload))
			}
		}
	}
	if rest != "" {
		// Only another version of wabi could send this; what came before is
		// already handed out.
		b.logger().Warn("bus: a notice from another node does not parse; the rest of it is dropped", "origin", origin)
	}
}

// runSender sends queued notices, as many as are waiting in one round trip.
func (b *Bus) runSender(ctx context.Context) {
	var (
		conn    *pgx.Conn
		used    time.Time // when conn last answered
		retryAt time.Time // no connection is tried before then
		wait    = busRetryMin
		batch   [][]byte
		dropLog time.Time // when drops were last logged
	)
	defer func() { busClose(conn) }()
	for {
		select {
		case <-ctx.Done():
			return
		case f := <-b.queue:
			batch = append(batch[:0], f)
		}
	drain:
		for len(batch) < busBatch {
			select {
			case f := <-b.queue:
				batch = append(batch, f)
			default:
				break drain
			}
		}
		// Drops are counted, and logged at most every busIdle, so that an
		// overloaded node does not also flood its log.
		if d := b.drops.Load(); d > 0 && time.Since(dropLog) > busIdle {
			b.drops.Add(-d)
			dropLog = time.Now()
			b.logger().Warn("bus: notices dropped, more were published than could be sent", "count", d)
		}
		if conn == nil && time.Now().Before(retryAt) {
			continue // the database was unreachable a moment ago: drop the batch
		}
		err := b.send(ctx, &conn, used, batch)
		if err == nil {
			used, wait = time.Now(), busRetryMin
			continue
		}
		if ctx.Err() != nil {
			return
		}
		busClose(conn)
		conn = nil
		retryAt = time.Now().Add(wait)
		b.logger().Warn("bus: notices could not be sent and are lost", "count", len(batch), "retry_in", wait, "err", err)
		wait = min(2*wait, busRetryMax)
	}
}

// send sends a batch of framed notices on *conn, connecting first if needed.
// A connection idle for a while is pinged first: the server may have closed
// it, and a notice sent down a dead connection would be lost.
func (b *Bus) send(ctx context.Context, conn **pgx.Conn, used time.Time, batch [][]byte) error {
	ctx, cancel := context.WithTimeout(ctx, busTimeout)
	defer cancel()
	if *conn != nil && time.Since(used) > time.Second {
		if err := (*conn).Ping(ctx); err != nil {
			busClose(*conn)
			*conn = nil
		}
	}
	if *conn == nil {
		c, err := b.connect(ctx)
		if err != nil {
			return err
		}
		*conn = c
		if b.sending != nil {
			b.sending(c.PgConn().PID())
		}
	}
	ch, err := b.channel(ctx, *conn)
	if err != nil {
		return err
	}
	var pb pgx.Batch
	for _, p := range b.pack(batch) {
		pb.Queue("SELECT pg_notify($1, $2)", ch, p)
	}
	return (*conn).SendBatch(ctx, &pb).Close()
}

// pack puts framed notices into as few NOTIFY payloads as fit under
// PostgreSQL's limit, each headed by this node's id and a sequence number
// (PostgreSQL folds identical payloads of one transaction into one).
func (b *Bus) pack(batch [][]byte) []string {
	var out []string
	var sb strings.Builder
	for _, f := range batch {
		if sb.Len() > 0 && sb.Len()+len(f) > notifyMax {
			out = append(out, sb.String())
			sb.Reset()
		}
		if sb.Len() == 0 {
			sb.WriteString(b.origin)
			sb.WriteByte(' ')
			sb.WriteString(strconv.FormatUint(b.seq.Add(1), 10))
			sb.WriteByte('\n')
		}
		sb.Write(f)
	}
	if sb.Len() > 0 {
		out = append(out, sb.String())
	}
	return out
}

// connect opens one connection of the bus's own.
func (b *Bus) connect(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, b.cfg)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	return conn, nil
}

func busClose(conn *pgx.Conn) {
	if conn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = conn.Close(ctx)
}

// busSleep waits for d or for ctx to end; it reports whether d passed.
func busSleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
