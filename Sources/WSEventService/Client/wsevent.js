// wsevent.js: the browser client of wsevent streams. One ES module, no dependencies; served by
// every wsevent-service at /wsevent.js, its types at /wsevent.d.ts.
//
//   import { subscribe } from "/wsevent.js";
//   const subscription = subscribe("/events", {
//     onEvent: (event) => console.log(event.id, event.data),
//     onGap: (gap) => console.warn("lost", gap.first, "to", gap.last),
//   });
//
// It subscribes over WebSocket (the wsevent.v1 subprotocol, which carries ids) or EventSource,
// keeps the epoch and the last id it handed over, and after any disconnect reconnects with
// exponential backoff and jitter, resuming with since/epoch (Last-Event-ID over SSE), so it sees
// every event still in the server's buffer once and in order; what the server could no longer
// replay is handed to onGap. Before each connection it may ask for a fresh token (the `token`
// option). docs/PROTOCOL.md has the wire format, README.md "wsevent.js" the API.

export const version = "1";

/** Ids are decimal strings (they go up to 2^64 - 2, past a Number's exact range). */
const idPattern = /^(0|[1-9][0-9]{0,19})$/;

/**
 * Where a subscription stands: the epoch and the last id handed over, and whether what follows
 * may be replayed history. Pure logic, no I/O.
 */
export class Tracker {
  /** @param {{epoch?: string|null, id: string|number|bigint}|null|undefined} since */
  constructor(since) {
    this.epoch = since && since.epoch ? String(since.epoch) : null;
    this.id = since ? BigInt(since.id) : null;
    // Set by a hello while we had no position: a server with -first-message replays its newest
    // events next, with ids at or below the hello's, and they are new to us.
    this.fresh = false;
  }

  /** The resume point, or null before the first hello or event. */
  get position() {
    return this.id === null ? null : { epoch: this.epoch, id: String(this.id) };
  }

  /** wsevent.v1 `hello <epoch> <last-id>`. */
  hello(epoch, lastId) {
    if (this.id === null) {
      this.epoch = epoch;
      this.id = BigInt(lastId);
      this.fresh = true;
    } else if (this.epoch === null) {
      this.epoch = epoch;
      this.fresh = false;
    } else if (this.epoch !== epoch) {
      // Another epoch: the server tells a gap and replays its whole buffer; count from zero.
      this.epoch = epoch;
      this.id = 0n;
      this.fresh = false;
    } else {
      this.fresh = false;
    }
  }

  /** `gap <first> <last>`: `first` 0 means the epoch changed. */
  gap(first) {
    if (BigInt(first) === 0n && this.id !== null) this.id = 0n;
  }

  /** Whether the event `id` (of `epoch`, over SSE) is new; a repeat of a resume is not. */
  isNew(id, epoch) {
    if (this.id === null || this.fresh) return true;
    if (epoch != null && this.epoch !== null && epoch !== this.epoch) return true;
    return BigInt(id) > this.id;
  }

  /** The event was handed over: a reconnect resumes after it. */
  took(id, epoch) {
    if (epoch != null) this.epoch = epoch;
    this.id = BigInt(id);
    this.fresh = false;
  }
}

/**
 * One wsevent.v1 message: `{type: "hello", epoch, lastId}`, `{type: "gap", first, last}`,
 * `{type: "event", id, data}`, or null for a message that is none of them (a later version's:
 * ignored). `data` is a string for a text message, a Uint8Array for a binary one.
 */
export function parseV1(message) {
  let header;
  let data;
  if (typeof message === "string") {
    const newline = message.indexOf("\n");
    if (newline < 0) return null;
    header = message.slice(0, newline);
    data = message.slice(newline + 1);
  } else {
    const bytes = message instanceof Uint8Array ? message : new Uint8Array(message);
    const newline = bytes.indexOf(10);
    if (newline < 0) return null;
    header = new TextDecoder().decode(bytes.subarray(0, newline));
    data = bytes.slice(newline + 1);
  }
  const words = header.split(" ");
  if (words[0] === "hello" && words.length >= 3 && idPattern.test(words[2])) {
    return { type: "hello", epoch: words[1], lastId: words[2] };
  }
  if (words[0] === "gap" && words.length >= 3 && idPattern.test(words[1]) && idPattern.test(words[2])) {
    return { type: "gap", first: words[1], last: words[2] };
  }
  if (words.length === 1 && idPattern.test(words[0])) return { type: "event", id: words[0], data };
  return null;
}

/** An SSE `id:` field, `<epoch>.<id>`, as `{epoch, id}`; null when it is not one. */
export function parseEventId(text) {
  const dot = text.lastIndexOf(".");
  const id = text.slice(dot + 1);
  if (!idPattern.test(id)) return null;
  return { epoch: dot < 0 ? null : text.slice(0, dot), id };
}

/** The `{first, last}` of an SSE `gap` event's data, exactly (JSON.parse would round ids past 2^53). */
export function parseGap(data) {
  const first = /"first"\s*:\s*(\d+)/.exec(data);
  const last = /"last"\s*:\s*(\d+)/.exec(data);
  return first && last ? { first: first[1], last: last[1] } : null;
}

/** Base64 (an SSE `binary` event's data) to bytes. */
export function decodeBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

/**
 * Exponential backoff with jitter: each delay is half the current step plus up to another half
 * at random, so clients that lost one server do not all come back at once.
 */
export class Backoff {
  constructor({ initial = 250, maximum = 5000, factor = 2 } = {}, random = Math.random) {
    this.initial = initial;
    this.maximum = maximum;
    this.factor = factor;
    this.random = random;
    this.step = initial;
  }

  next() {
    const delay = this.step * (0.5 + this.random() / 2);
    this.step = Math.min(this.step * this.factor, this.maximum);
    return Math.round(delay);
  }

  reset() {
    this.step = this.initial;
  }
}

/**
 * The URL of one connection: the stream's URL (relative to `base`), as ws:/wss: or http:/https:,
 * with the resume point and the credential's parameters. `credential` is a token (sent as
 * `?token=`) or an object of query parameters.
 */
export function connectionURL(url, { base, transport, position, credential }) {
  const target = new URL(url, base);
  const secure = target.protocol === "https:" || target.protocol === "wss:";
  if (transport === "websocket") {
    target.protocol = secure ? "wss:" : "ws:";
    for (const name of ["since", "epoch", "last_event_id"]) target.searchParams.delete(name);
    if (position) {
      target.searchParams.set("since", position.id);
      if (position.epoch) target.searchParams.set("epoch", position.epoch);
    }
  } else {
    target.protocol = secure ? "https:" : "http:";
    for (const name of ["since", "epoch", "last_event_id"]) target.searchParams.delete(name);
    if (position) target.searchParams.set("last_event_id", position.epoch ? position.epoch + "." + position.id : position.id);
  }
  if (typeof credential === "string" && credential !== "") {
    target.searchParams.set("token", credential);
  } else if (credential && typeof credential === "object") {
    for (const [name, value] of Object.entries(credential)) {
      if (value === null || value === undefined) target.searchParams.delete(name);
      else target.searchParams.set(name, String(value));
    }
  }
  return target;
}

/**
 * Whether a refusal is final: a 4xx other than 408 and 429 will not pass by waiting. A 401 or
 * 403 is retried once when the token can be asked for again.
 */
export function isFinal(status, { refreshable = false, refusedBefore = false } = {}) {
  if (status < 400 || status >= 500 || status === 408 || status === 429) return false;
  if ((status === 401 || status === 403) && refreshable && !refusedBefore) return false;
  return true;
}

/** How long a connection must last for the next reconnect to start the backoff over (ms). */
const healthyAfter = 5000;
/** How long the refusal probe may take (ms). */
const probeTimeout = 10000;

/** Subscribes to the stream at `url`; see README.md "wsevent.js" and wsevent.d.ts. */
export function subscribe(url, options = {}) {
  return new Subscription(url, options);
}

export class Subscription {
  constructor(url, options = {}) {
    const environment = options.environment || {};
    this._env = {
      WebSocket: environment.WebSocket || globalThis.WebSocket,
      EventSource: environment.EventSource || globalThis.EventSource,
      fetch: environment.fetch || (globalThis.fetch && globalThis.fetch.bind(globalThis)),
      setTimeout: environment.setTimeout || globalThis.setTimeout.bind(globalThis),
      clearTimeout: environment.clearTimeout || globalThis.clearTimeout.bind(globalThis),
      now: environment.now || (() => Date.now()),
      base: environment.base || (globalThis.location ? globalThis.location.href : undefined),
    };
    this.url = url;
    this.transport = options.transport === "sse" ? "sse" : "websocket";
    this._options = options;
    this._tracker = new Tracker(options.since);
    this._backoff = new Backoff(options.backoff, environment.random || Math.random);
    this._attempt = 0;
    this._refused = false;
    this._ending = {};
    this._closed = false;
    this._state = "connecting";
    this._connect();
  }

  /** `{epoch, id}` of the last event handed over (or where the subscription started); null before any. */
  get position() {
    return this._tracker.position;
  }

  /** `connecting`, `open`, `waiting` (to reconnect), `refused` or `closed`. */
  get state() {
    return this._state;
  }

  /** Ends the subscription; nothing is called after this. */
  close() {
    if (this._closed) return;
    this._closed = true;
    this._env.clearTimeout(this._timer);
    if (this._probe) this._probe.abort();
    this._hangUp();
    this._status({ state: "closed" });
  }

  _status(status) {
    this._state = status.state;
    this._call("onStatus", status);
  }

  _call(name, value) {
    const callback = this._options[name];
    if (typeof callback !== "function") return;
    try {
      callback(value);
    } catch (error) {
      // The application's error is its own: report it without breaking the subscription.
      this._env.setTimeout(() => {
        throw error;
      }, 0);
    }
  }

  async _credential(reason) {
    const token = this._options.token;
    if (typeof token !== "function") return token;
    return await token({ attempt: this._attempt, reason, ...this._ending });
  }

  async _connect() {
    const attempt = ++this._attempt;
    this._status({ state: "connecting", attempt });
    let credential;
    try {
      credential = await this._credential(attempt === 1 ? "connect" : this._refused ? "refused" : "reconnect");
    } catch (error) {
      return this._retry({ reason: "the token callback failed: " + error });
    }
    if (this._closed || attempt !== this._attempt) return;
    const target = connectionURL(this.url, {
      base: this._env.base,
      transport: this.transport,
      position: this._tracker.position,
      credential,
    });
    this._opened = false;
    this._openedAt = 0;
    try {
      if (this.transport === "websocket") this._openWebSocket(target);
      else this._openEventSource(target);
    } catch (error) {
      // A URL the browser will not open (a bad scheme, a port it blocks): waiting will not help.
      this._closed = true;
      this._status({ state: "refused", status: 0, message: String(error) });
    }
  }

  _opening() {
    this._opened = true;
    this._openedAt = this._env.now();
    this._refused = false;
    this._status({ state: "open", transport: this.transport });
  }

  _openWebSocket(target) {
    const socket = new this._env.WebSocket(target.href, "wsevent.v1");
    this._socket = socket;
    socket.binaryType = "arraybuffer";
    socket.onopen = () => {
      if (socket.protocol !== "wsevent.v1") {
        // A server that does not speak wsevent.v1 has no ids to resume with.
        this._socket = null;
        socket.onclose = null;
        socket.close();
        this._closed = true;
        return this._status({ state: "refused", status: 0, message: "the server does not speak wsevent.v1" });
      }
      this._opening();
    };
    socket.onmessage = (message) => this._v1(parseV1(message.data));
    socket.onclose = (close) => {
      if (this._socket !== socket) return;
      this._socket = null;
      this._lost(target, { code: close.code, reason: close.reason });
    };
  }

  _v1(message) {
    if (!message) return;
    if (message.type === "hello") this._tracker.hello(message.epoch, message.lastId);
    else if (message.type === "gap") this._gap(message.first, message.last);
    else if (this._tracker.isNew(message.id)) this._event(message.id, this._tracker.epoch, message.data);
  }

  _openEventSource(target) {
    const source = new this._env.EventSource(target.href, { withCredentials: !!this._options.withCredentials });
    this._source = source;
    source.onopen = () => this._opening();
    const handle = (message, binary) => {
      const parsed = parseEventId(message.lastEventId || "");
      if (!parsed || !this._tracker.isNew(parsed.id, parsed.epoch)) return;
      this._event(parsed.id, parsed.epoch, binary ? decodeBase64(message.data) : message.data);
    };
    source.onmessage = (message) => handle(message, false);
    source.addEventListener("binary", (message) => handle(message, true));
    source.addEventListener("gap", (message) => {
      const gap = parseGap(message.data);
      if (gap) this._gap(gap.first, gap.last);
    });
    source.onerror = () => {
      if (this._source !== source) return;
      // Our own reconnect, not the browser's: it resumes from what was handed over, with a
      // fresh token, after our backoff.
      this._source = null;
      source.close();
      this._lost(target, {});
    };
  }

  _gap(first, last) {
    this._tracker.gap(first);
    this._call("onGap", { first, last });
  }

  /** Hands an event over; it counts as taken even if onEvent throws (that error is reported). */
  _event(id, epoch, data) {
    try {
      this._call("onEvent", { id, epoch, data, binary: typeof data !== "string" });
    } finally {
      this._tracker.took(id, epoch);
    }
  }

  _hangUp() {
    if (this._socket) {
      const socket = this._socket;
      this._socket = null;
      socket.onclose = null;
      socket.close();
    }
    if (this._source) {
      this._source.close();
      this._source = null;
    }
  }

  /** A connection ended (or never opened): find out why if it never opened, then retry. */
  async _lost(target, { code, reason }) {
    if (this._closed) return;
    this._ending = code === undefined ? {} : { code };
    const lasted = this._opened ? this._env.now() - this._openedAt : 0;
    if (lasted >= healthyAfter) this._backoff.reset();
    let why = null;
    if (!this._opened) {
      // A browser hides why an upgrade or an EventSource was refused: ask the same URL over
      // HTTP (the checks are the same for both transports).
      why = await this._explain(target);
      if (this._closed) return;
      if (why && why.status && isFinal(why.status, { refreshable: typeof this._options.token === "function", refusedBefore: this._refused })) {
        this._closed = true;
        return this._status({ state: "refused", status: why.status, message: why.message });
      }
      this._refused = !!(why && (why.status === 401 || why.status === 403));
      if (why && why.status) this._ending.status = why.status;
    }
    this._retry({ code, reason, why });
  }

  _retry(detail) {
    if (this._closed) return;
    const delay = this._backoff.next();
    this._status({ state: "waiting", delay, ...detail });
    this._timer = this._env.setTimeout(() => this._connect(), delay);
  }

  /** `{status, message}` of a refused subscription, `null` when the server takes it now, or
   * `{status: 0, message}` when no answer can be read (the server is down, or does not allow
   * this page's origin). */
  async _explain(target) {
    if (!this._env.fetch) return null;
    const probe = new URL(target.href);
    probe.protocol = probe.protocol === "wss:" || probe.protocol === "https:" ? "https:" : "http:";
    const controller = new AbortController();
    this._probe = controller;
    const timer = this._env.setTimeout(() => controller.abort(), probeTimeout);
    try {
      const response = await this._env.fetch(probe.href, {
        headers: { Accept: "text/event-stream" },
        credentials: this._options.withCredentials ? "include" : "same-origin",
        signal: controller.signal,
      });
      if (response.ok) {
        controller.abort();
        return null;
      }
      return { status: response.status, message: (await response.text()).trim() };
    } catch (error) {
      return { status: 0, message: "no answer this page may read (the server is down, or does not allow this page's origin)" };
    } finally {
      this._env.clearTimeout(timer);
      this._probe = null;
    }
  }
}
