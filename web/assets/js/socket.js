// The WebSocket of PROTOCOL.md: authenticate with the token, answer each
// request by its id, and come back after a drop with backoff. Events:
//   "state"  {state: "connecting" | "open" | "reconnecting" | "offline"}
//   "ready"  {ready, reconnected}  after each successful authentication
//   "frame"  {frame}  every frame that is not the reply to a request
//   "unauthorized"   the token is no longer valid (closed with 4401)
// It follows discovery: before connecting it asks ``locate()`` (GET
// /v1/edge) for its edge's socket URL, and a draining edge's ``reconnect``
// frame sends it to its next edge at once. A URL that does not open (down,
// or not allowed by the page's policy) gives way to this page's own socket.

import { reconnectDelay } from './backoff.js';

const PING_EVERY_MS = 20000;
const PONG_WITHIN_MS = 10000;
const TOO_MANY_SOCKETS = 4429;
const UNAUTHORIZED = 4401;

export class Disconnected extends Error {}

export class FrameError extends Error {
  constructor(frame) {
    super(frame.message ?? frame.code);
    this.code = frame.code;
    this.retryAfterMs = frame.retry_after_ms ?? null;
  }
}

export function socketUrl(location = window.location) {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/ws`;
}

export class ChatSocket extends EventTarget {
  constructor(url, token, locate = null) {
    super();
    this.url = url; // this page's own socket: the fallback
    this.token = token;
    this.locate = locate;
    this.target = locate ? null : url; // null: ask discovery before connecting
    this.locating = false;
    this.redirected = false; // a reconnect frame came: go there without waiting
    this.ws = null;
    this.state = 'idle';
    this.attempt = 0;
    this.everReady = false;
    this.stopped = false;
    this.nextId = 1;
    this.waiting = new Map();
    this.retryTimer = null;
    this.pingTimer = null;
    this.onOnline = () => this.connectNow();
    this.onOffline = () => this.drop();
  }

  start() {
    window.addEventListener('online', this.onOnline);
    window.addEventListener('offline', this.onOffline);
    this.connectNow();
  }

  stop() {
    this.stopped = true;
    window.removeEventListener('online', this.onOnline);
    window.removeEventListener('offline', this.onOffline);
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.close(1000);
    this.failWaiting();
  }

  get isOpen() {
    return this.state === 'open';
  }

  /** Sends ``frame`` with a fresh id; resolves with the reply, rejects with a
   *  FrameError for an ``error`` reply and Disconnected if the socket drops. */
  request(frame, timeoutMs = 30000) {
    if (!this.isOpen) return Promise.reject(new Disconnected('not connected'));
    const id = `c${this.nextId++}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Disconnected('no answer'));
      }, timeoutMs);
      this.waiting.set(id, { resolve, reject, timer });
      this.ws.send(JSON.stringify({ ...frame, id }));
    });
  }

  /** Sends a frame that has no reply (typing); dropped when not connected. */
  send(frame) {
    if (this.isOpen) this.ws.send(JSON.stringify(frame));
  }

  connectNow() {
    clearTimeout(this.retryTimer);
    if (this.stopped || this.ws || this.locating) return;
    if (!navigator.onLine) {
      this.setState('offline');
      return;
    }
    this.setState(this.everReady ? 'reconnecting' : 'connecting');
    if (this.target === null) {
      this.locating = true;
      this.locate()
        .catch(() => this.url)
        .then((url) => {
          this.locating = false;
          this.target = url || this.url;
          this.connectNow();
        });
      return;
    }
    let ws;
    try {
      ws = new WebSocket(this.target);
    } catch {
      this.target = this.url; // refused at once (e.g. by the page's policy)
      ws = new WebSocket(this.target);
    }
    ws.wasReady = false;
    this.ws = ws;
    ws.addEventListener('open', () => ws.send(JSON.stringify({ type: 'auth', token: this.token })));
    ws.addEventListener('message', (event) => this.receive(ws, event.data));
    ws.addEventListener('close', (event) => this.closed(ws, event.code));
  }

  receive(ws, data) {
    if (ws !== this.ws) return;
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    if (frame.type === 'ready') {
      ws.wasReady = true;
      this.opened(frame);
      return;
    }
    if (frame.type === 'reconnect') {
      this.target = frame.ws_url; // the 1001 close follows
      this.redirected = true;
      return;
    }
    const waiter = frame.id !== undefined ? this.waiting.get(frame.id) : undefined;
    if (waiter) {
      this.waiting.delete(frame.id);
      clearTimeout(waiter.timer);
      if (frame.type === 'error') waiter.reject(new FrameError(frame));
      else waiter.resolve(frame);
      return;
    }
    this.dispatchEvent(new CustomEvent('frame', { detail: { frame } }));
  }

  opened(ready) {
    const reconnected = this.everReady;
    this.everReady = true;
    this.attempt = 0;
    this.setState('open');
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => this.heartbeat(), PING_EVERY_MS);
    this.dispatchEvent(new CustomEvent('ready', { detail: { ready, reconnected } }));
  }

  heartbeat() {
    this.request({ type: 'ping' }, PONG_WITHIN_MS).catch(() => this.drop());
  }

  /** Gives up on the current socket (network gone, or no pong) and reconnects. */
  drop() {
    const ws = this.ws;
    if (!ws) return;
    this.closed(ws, 1006);
    ws.close(4000);
  }

  closed(ws, code) {
    if (ws !== this.ws) return;
    this.ws = null;
    clearInterval(this.pingTimer);
    this.failWaiting();
    if (this.stopped) return;
    if (code === UNAUTHORIZED) {
      this.stopped = true;
      this.setState('reconnecting');
      this.dispatchEvent(new CustomEvent('unauthorized'));
      return;
    }
    this.setState(navigator.onLine ? 'reconnecting' : 'offline');
    if (this.redirected) {
      this.redirected = false;
      this.connectNow();
      return;
    }
    // After a socket that worked, ask discovery again (its edge may be gone);
    // after one that never opened, alternate with this page's own socket.
    if (this.locate) this.target = ws.wasReady || ws.url === this.url ? null : this.url;
    const attempt = code === TOO_MANY_SOCKETS ? 10 : this.attempt;
    this.attempt += 1;
    this.retryTimer = setTimeout(() => this.connectNow(), reconnectDelay(attempt));
  }

  failWaiting() {
    for (const { reject, timer } of this.waiting.values()) {
      clearTimeout(timer);
      reject(new Disconnected('disconnected'));
    }
    this.waiting.clear();
  }

  setState(state) {
    if (state === this.state) return;
    this.state = state;
    this.dispatchEvent(new CustomEvent('state', { detail: { state } }));
  }
}
