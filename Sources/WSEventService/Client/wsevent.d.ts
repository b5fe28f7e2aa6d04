// Types of wsevent.js, the browser client of wsevent streams (served at /wsevent.d.ts beside
// /wsevent.js). README.md "wsevent.js" has the API in prose.

export declare const version: string;

/** Where a subscription stands. Ids are decimal strings: they go up to 2^64 - 2. */
export interface Position {
  /** The stream's epoch; `null` means "the server's current one". */
  epoch: string | null;
  /** The last id handed over (or where the subscription started). */
  id: string;
}

/** One event, in the order the stream has them. */
export interface StreamEvent {
  id: string;
  epoch: string | null;
  /** The payload: a string for a text event, the bytes for a binary one. */
  data: string | Uint8Array;
  binary: boolean;
}

/** Ids `first` to `last` could not be replayed; `first` "0": the stream's epoch changed (its origin restarted). */
export interface Gap {
  first: string;
  last: string;
}

/** Why the server refused a subscription, as far as a page may read it; `status` 0: no answer could be read. */
export interface Refusal {
  status: number;
  message: string;
}

export type Status =
  | { state: "connecting"; attempt: number }
  | { state: "open"; transport: "websocket" | "sse" }
  /** Lost or refused for now; the next attempt follows in `delay` ms. */
  | { state: "waiting"; delay: number; code?: number; reason?: string; why?: Refusal | null }
  /** Refused for good (a 4xx other than 408 and 429; a 401/403 once more after a fresh token): no more attempts. */
  | { state: "refused"; status: number; message: string }
  | { state: "closed" };

/** What the token callback is told. */
export interface TokenRequest {
  /** 1 for the first connection, then counting. */
  attempt: number;
  /** `refused`: the last attempt got 401 or 403, so the token is likely stale. */
  reason: "connect" | "reconnect" | "refused";
  /** The close code of the last WebSocket connection, if it ended with one (a server may close with its own 4xxx code when a token expires). */
  code?: number;
  /** The status the server refused the last attempt with, if it did. */
  status?: number;
}

/**
 * A credential for one connection: a token (sent as `?token=`, what `-subscribe-token` and the
 * browser side of bearer tokens read), an object of query parameters to set (a `null` value
 * removes one), or nothing (a cookie does the work).
 */
export type Credential = string | Record<string, string | null> | null | undefined;

export interface BackoffOptions {
  /** The first delay's step in ms (default 250); each delay is half of it plus up to half at random. */
  initial?: number;
  /** The largest step in ms (default 5000). */
  maximum?: number;
  /** How much the step grows after each failed attempt (default 2). */
  factor?: number;
}

export interface SubscribeOptions {
  /** `websocket` (wsevent.v1, the default) or `sse` (EventSource). */
  transport?: "websocket" | "sse";
  /** Resume after this point (from a previous subscription's `position`); default: the server's `-first-message`, or live events. */
  since?: { epoch?: string | null; id: string | number | bigint } | null;
  /** A credential, or a callback asked for one before every connection (it may refresh an expired token). */
  token?: Credential | ((request: TokenRequest) => Credential | Promise<Credential>);
  /** Send cookies to another origin: EventSource's `withCredentials`, and the refusal probe's. */
  withCredentials?: boolean;
  backoff?: BackoffOptions;
  onEvent?: (event: StreamEvent) => void;
  onGap?: (gap: Gap) => void;
  onStatus?: (status: Status) => void;
  /** For tests and other runtimes: what the subscription uses instead of the browser's globals. */
  environment?: {
    WebSocket?: unknown;
    EventSource?: unknown;
    fetch?: typeof fetch;
    setTimeout?: (callback: () => void, ms: number) => unknown;
    clearTimeout?: (timer: unknown) => void;
    now?: () => number;
    random?: () => number;
    /** What a relative stream URL is resolved against (default: the page's location). */
    base?: string;
  };
}

export declare class Subscription {
  constructor(url: string | URL, options?: SubscribeOptions);
  readonly url: string | URL;
  readonly transport: "websocket" | "sse";
  /** The last event handed over (or where the subscription started); null before any. */
  readonly position: Position | null;
  readonly state: Status["state"];
  /** Ends the subscription: no callback is called after it. */
  close(): void;
}

/** Subscribes to the stream at `url` (absolute, or relative to the page: `"/events"`); resumes after every disconnect until closed or refused. */
export declare function subscribe(url: string | URL, options?: SubscribeOptions): Subscription;

// The building blocks, pure and exported for tests and other clients.

export declare class Tracker {
  constructor(since?: { epoch?: string | null; id: string | number | bigint } | null);
  readonly position: Position | null;
  hello(epoch: string, lastId: string): void;
  gap(first: string): void;
  isNew(id: string, epoch?: string | null): boolean;
  took(id: string, epoch?: string | null): void;
}

export type V1Message =
  | { type: "hello"; epoch: string; lastId: string }
  | { type: "gap"; first: string; last: string }
  | { type: "event"; id: string; data: string | Uint8Array };

export declare function parseV1(message: string | ArrayBuffer | Uint8Array): V1Message | null;
export declare function parseEventId(text: string): { epoch: string | null; id: string } | null;
export declare function parseGap(data: string): Gap | null;
export declare function decodeBase64(text: string): Uint8Array;

export declare class Backoff {
  constructor(options?: BackoffOptions, random?: () => number);
  next(): number;
  reset(): void;
}

export declare function connectionURL(
  url: string | URL,
  options: { base?: string; transport: "websocket" | "sse"; position: Position | null; credential?: Credential },
): URL;

export declare function isFinal(status: number, options?: { refreshable?: boolean; refusedBefore?: boolean }): boolean;
