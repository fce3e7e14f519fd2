// The control API client: JSON in and out, the admin key on every call, and
// the API's own error message on every failure.
import { state } from './state.js';

// APIError is a failed call: status is the HTTP status (0 when the server
// could not be reached), code the control API's error code.
export class APIError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function headers(extra) {
  const h = new Headers(extra || {});
  if (state.key) h.set('Authorization', 'Bearer ' + state.key);
  return h;
}

// call sends a request and returns the decoded JSON answer (null for 204). A
// plain object body is sent as JSON; FormData, Blob and File as they are.
export async function call(method, path, body, extraHeaders) {
  const init = { method, headers: headers(extraHeaders) };
  if (body !== undefined && body !== null) {
    if (body instanceof FormData || body instanceof Blob) {
      init.body = body;
    } else {
      init.body = JSON.stringify(body);
      init.headers.set('Content-Type', 'application/json');
    }
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (err) {
    throw new APIError(0, 'network', 'wabi cannot be reached (' + err.message + '). Is it running?');
  }
  if (res.status === 401) state.onUnauthorized();
  if (res.status === 204) return null;
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const e = data && data.error;
    const msg = e && (e.message || e.error_user_msg) || text.trim() || res.statusText;
    throw new APIError(res.status, e && e.code || String(res.status), msg);
  }
  return data;
}

export const get = (path) => call('GET', path);
export const post = (path, body) => call('POST', path, body === undefined ? {} : body);
export const put = (path, body) => call('PUT', path, body);
export const patch = (path, body) => call('PATCH', path, body);
export const del = (path) => call('DELETE', path);

// q builds a query string from the non-empty values of params.
export function q(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  }
  const s = u.toString();
  return s ? '?' + s : '';
}

// enc escapes one path segment.
export const enc = encodeURIComponent;

// blobURL downloads a file with the admin key and returns a blob: URL for it,
// which <img>, <video> and <a download> can use without a header of their own.
export async function blobURL(path) {
  let res;
  try {
    res = await fetch(path, { headers: headers() });
  } catch (err) {
    throw new APIError(0, 'network', err.message);
  }
  if (!res.ok) {
    let msg = res.statusText;
    try {
      msg = (await res.json()).error.message;
    } catch {
      // keep the status text
    }
    throw new APIError(res.status, String(res.status), msg);
  }
  return URL.createObjectURL(await res.blob());
}

// numbers loads the business numbers into the state, once per page unless forced.
export async function loadNumbers(force) {
  if (force || state.numbers.length === 0) {
    state.numbers = (await get('/api/phone_numbers')).data;
  }
  return state.numbers;
}

// info loads GET /api/info into the state, once per page unless forced.
export async function loadInfo(force) {
  if (force || !state.info) state.info = await get('/api/info');
  return state.info;
}

// templatesOf returns the templates of a WABA, cached for the page.
export async function templatesOf(wabaID, force) {
  if (force || !state.templates.has(wabaID)) {
    state.templates.set(wabaID, (await get('/api/templates' + q({ waba_id: wabaID }))).data);
  }
  return state.templates.get(wabaID);
}
