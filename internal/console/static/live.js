// Live updates. GET /api/events streams `message` and `delivery` events; when
// the stream cannot be opened (an older wabi, a proxy that buffers) the views
// are asked to poll every 2 seconds instead, and the stream is tried again
// every 30 seconds.
import { state } from './state.js';

const pollEvery = 2000;
const retryEvery = 30000;

const conn = state.conn;

// subscribe registers handlers: message(m) and delivery(d) for events, poll()
// while polling (and once when the stream opens, to catch up). It returns the
// function that unsubscribes.
export function subscribe(handlers) {
  conn.subs.add(handlers);
  return () => conn.subs.delete(handlers);
}

// onMode is told 'sse', 'poll' or 'connecting' whenever that changes.
export function onMode(fn) {
  conn.onMode = fn;
  fn(state.live);
}

function setMode(mode) {
  if (state.live === mode) return;
  state.live = mode;
  conn.onMode(mode);
  if (mode === 'poll' && !conn.pollTimer) {
    conn.pollTimer = setInterval(() => emit('poll'), pollEvery);
  }
  if (mode !== 'poll' && conn.pollTimer) {
    clearInterval(conn.pollTimer);
    conn.pollTimer = 0;
  }
}

function emit(kind, data) {
  for (const s of conn.subs) {
    if (typeof s[kind] !== 'function') continue;
    try {
      s[kind](data);
    } catch (err) {
      console.error(err);
    }
  }
}

function handle(kind) {
  return (ev) => {
    let data;
    try {
      data = JSON.parse(ev.data);
    } catch {
      return;
    }
    emit(kind, data);
  };
}

// start opens the stream (again), with the admin key as ?key= because an
// EventSource cannot send headers.
export function start() {
  stop();
  if (typeof EventSource === 'undefined') {
    setMode('poll');
    return;
  }
  const url = '/api/events' + (state.key ? '?key=' + encodeURIComponent(state.key) : '');
  const es = new EventSource(url);
  conn.source = es;
  es.addEventListener('open', () => {
    const wasPolling = state.live !== 'sse';
    setMode('sse');
    if (wasPolling) emit('poll'); // catch up on what happened meanwhile
  });
  es.addEventListener('message', handle('message'));
  es.addEventListener('delivery', handle('delivery'));
  // The server dropped events for us (we fell behind): reload what is shown.
  es.addEventListener('overflow', () => emit('poll'));
  es.addEventListener('error', () => {
    // CONNECTING: the browser retries by itself; poll meanwhile. CLOSED: the
    // endpoint is missing or refused us; poll and try again later.
    setMode('poll');
    if (es.readyState === EventSource.CLOSED) {
      conn.source = null;
      clearTimeout(conn.retryTimer);
      conn.retryTimer = setTimeout(start, retryEvery);
    }
  });
}

function stop() {
  clearTimeout(conn.retryTimer);
  if (conn.source) {
    conn.source.close();
    conn.source = null;
  }
}
