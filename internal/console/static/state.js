// The console's one mutable object. Modules read and change it; nothing else
// outlives a view. Views keep their own data inside the closure of render().

const keyName = 'wabi.adminKey';

function storedKey() {
  try {
    return localStorage.getItem(keyName) || '';
  } catch {
    return ''; // storage may be disabled; the key then lasts for the page
  }
}

export const state = {
  // key is the control API's admin key, '' when none is needed or known.
  key: storedKey(),
  // info is GET /api/info: the demo tenancy and the URLs of wabi's surfaces.
  info: null,
  // numbers are the business phone numbers (GET /api/phone_numbers).
  numbers: [],
  // live is how updates arrive: 'sse', 'poll' or 'connecting'.
  live: 'connecting',
  // media caches blob: URLs of message media by message id, so a re-rendered
  // bubble does not download its picture again.
  media: new Map(),
  // templates caches templates by WABA id, to tell a template's button types.
  templates: new Map(),
  // chatNumber is the business number last chosen in the Phones view.
  chatNumber: '',
  // conn is the live connection's bookkeeping (live.js): the EventSource, its
  // timers, the views' subscriptions and who is told of mode changes.
  conn: { source: null, pollTimer: 0, retryTimer: 0, subs: new Set(), onMode: () => {} },
  // mounted is the view on screen: its name and what its render() returned.
  mounted: { name: '', view: null },
  // onUnauthorized is called when the control API answers 401; the app sets
  // it to ask for the admin key.
  onUnauthorized: () => {},
};

// setKey stores the admin key ('' forgets it).
export function setKey(k) {
  state.key = k;
  try {
    if (k) localStorage.setItem(keyName, k);
    else localStorage.removeItem(keyName);
  } catch {
    // keep it in memory only
  }
}
