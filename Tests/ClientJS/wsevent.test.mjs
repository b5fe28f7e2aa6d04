// Unit tests of wsevent.js (Sources/WSEventService/Client/wsevent.js) under Node's test runner,
// without a browser or a server: its pure pieces, and a Subscription driven through fake
// WebSocket, EventSource, fetch and timers. The browser test (Tests/Interop/test_browser.py)
// runs it in Chromium against real servers.
//
//   node --test Tests/ClientJS/

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

// The module is a browser's .js file (ESM without a package.json saying so): load it as such.
const source = readFileSync(new URL("../../Sources/WSEventService/Client/wsevent.js", import.meta.url), "utf8");
const wsevent = await import("data:text/javascript;base64," + Buffer.from(source).toString("base64"));
const { Backoff, Tracker, connectionURL, decodeBase64, isFinal, parseEventId, parseGap, parseV1, subscribe } = wsevent;

test("parseV1 reads hello, gap and events, text and binary, ids exactly", () => {
  assert.deepEqual(parseV1("hello ep1 10\n"), { type: "hello", epoch: "ep1", lastId: "10" });
  assert.deepEqual(parseV1("gap 0 18446744073709551614\n"), { type: "gap", first: "0", last: "18446744073709551614" });
  assert.deepEqual(parseV1("18446744073709551614\nlast\nline"), { type: "event", id: "18446744073709551614", data: "last\nline" });
  const binary = parseV1(new Uint8Array([55, 10, 0, 255, 10]).buffer);
  assert.equal(binary.type, "event");
  assert.equal(binary.id, "7");
  assert.deepEqual([...binary.data], [0, 255, 10]);
  for (const ignored of ["no newline", "welcome ep 1\n", "07\nleading zero", "-1\n", "gap 1\n", "1 2\n"]) {
    assert.equal(parseV1(ignored), null, ignored);
  }
});

test("SSE ids, gaps and binary data", () => {
  assert.deepEqual(parseEventId("j84o4s3ni68pi2on.12"), { epoch: "j84o4s3ni68pi2on", id: "12" });
  assert.deepEqual(parseEventId("12"), { epoch: null, id: "12" });
  assert.equal(parseEventId("ep.x"), null);
  assert.deepEqual(parseGap('{"first":9007199254740993,"last":18446744073709551614}'), { first: "9007199254740993", last: "18446744073709551614" });
  assert.equal(parseGap("{}"), null);
  assert.deepEqual([...decodeBase64("f0VMRgIBAQA=")], [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
});

test("a live start follows the hello; repeats of a resume are dropped", () => {
  const tracker = new Tracker(null);
  assert.equal(tracker.position, null);
  tracker.hello("ep", "10");
  assert.deepEqual(tracker.position, { epoch: "ep", id: "10" });
  tracker.took("11");
  assert.equal(tracker.isNew("11"), false);
  assert.equal(tracker.isNew("12"), true);

  const resumed = new Tracker({ epoch: "ep", id: 5 });
  resumed.hello("ep", "9");
  assert.equal(resumed.isNew("5"), false);
  assert.equal(resumed.isNew("6"), true);
});

/// A server's -first-message replays ids at or below the hello's to a subscription without a
/// position: they are new, and the position follows what was handed over.
test("the first messages after a hello are taken", () => {
  const tracker = new Tracker(null);
  tracker.hello("ep", "10");
  assert.equal(tracker.isNew("9"), true);
  tracker.took("9");
  assert.deepEqual(tracker.position, { epoch: "ep", id: "9" });
  assert.equal(tracker.isNew("9"), false);
  assert.equal(tracker.isNew("10"), true);
  // A reconnect resumes from the position: nothing at or below it is new any more.
  tracker.hello("ep", "12");
  assert.equal(tracker.isNew("8"), false);
});

test("another epoch counts from zero; over SSE an event's epoch says so", () => {
  const tracker = new Tracker({ epoch: "old", id: "50" });
  tracker.hello("new", "3");
  assert.deepEqual(tracker.position, { epoch: "new", id: "0" });
  assert.equal(tracker.isNew("1"), true);

  const sse = new Tracker({ epoch: "old", id: "50" });
  sse.gap("0");
  assert.equal(sse.isNew("1", "new"), true);
  sse.took("1", "new");
  assert.deepEqual(sse.position, { epoch: "new", id: "1" });
});

test("backoff doubles to its maximum, with jitter, and starts over", () => {
  const backoff = new Backoff({ initial: 100, maximum: 400 }, () => 0.5);
  assert.deepEqual([backoff.next(), backoff.next(), backoff.next(), backoff.next()], [75, 150, 300, 300]);
  backoff.reset();
  assert.equal(backoff.next(), 75);
  const low = new Backoff({ initial: 100 }, () => 0);
  const high = new Backoff({ initial: 100 }, () => 0.999999);
  assert.equal(low.next(), 50);
  assert.equal(high.next(), 100);
});

test("connection URLs carry the resume point and the credential", () => {
  const position = { epoch: "ep", id: "41" };
  assert.equal(
    connectionURL("/events?since=3", { base: "https://example.com/page", transport: "websocket", position, credential: "t0k" }).href,
    "wss://example.com/events?since=41&epoch=ep&token=t0k",
  );
  assert.equal(
    connectionURL("http://127.0.0.1:8080/events", { transport: "sse", position, credential: { access_token: "a", token: null } }).href,
    "http://127.0.0.1:8080/events?last_event_id=ep.41&access_token=a",
  );
  assert.equal(connectionURL("ws://h/e", { transport: "sse", position: null }).href, "http://h/e");
  assert.equal(connectionURL("http://h/e", { transport: "websocket", position: { epoch: null, id: "3" } }).href, "ws://h/e?since=3");
});

test("which refusals are final", () => {
  assert.equal(isFinal(404), true);
  assert.equal(isFinal(400), true);
  assert.equal(isFinal(401), true);
  assert.equal(isFinal(401, { refreshable: true }), false);
  assert.equal(isFinal(403, { refreshable: true, refusedBefore: true }), true);
  for (const status of [0, 200, 408, 429, 500, 503]) assert.equal(isFinal(status), false, String(status));
});

// A fake browser: sockets, event sources, fetch and timers the test drives by hand.
function fakeBrowser({ answers = [] } = {}) {
  const world = { sockets: [], sources: [], timers: [], fetched: [], now: 0, answers: [...answers] };
  class FakeWebSocket {
    constructor(url, protocol) {
      this.url = url;
      this.requested = protocol;
      this.protocol = "";
      this.closed = false;
      world.sockets.push(this);
    }
    open() {
      this.protocol = "wsevent.v1";
      this.onopen?.({});
    }
    receive(data) {
      this.onmessage?.({ data });
    }
    drop(code = 1006) {
      this.onclose?.({ code, reason: "" });
    }
    close() {
      this.closed = true;
    }
  }
  class FakeEventSource {
    constructor(url) {
      this.url = url;
      this.listeners = {};
      this.closed = false;
      world.sources.push(this);
    }
    addEventListener(type, listener) {
      this.listeners[type] = listener;
    }
    open() {
      this.onopen?.({});
    }
    receive(type, id, data) {
      const event = { lastEventId: id, data };
      type === "message" ? this.onmessage?.(event) : this.listeners[type]?.(event);
    }
    fail() {
      this.onerror?.({});
    }
    close() {
      this.closed = true;
    }
  }
  world.environment = {
    WebSocket: FakeWebSocket,
    EventSource: FakeEventSource,
    fetch: async (url) => {
      world.fetched.push(url);
      const answer = world.answers.shift() || { status: 200, body: "" };
      if (answer.error) throw new Error(answer.error);
      return { ok: answer.status < 300, status: answer.status, text: async () => answer.body };
    },
    setTimeout: (callback, ms) => {
      const timer = { callback, ms, cancelled: false };
      world.timers.push(timer);
      return timer;
    },
    clearTimeout: (timer) => {
      if (timer) timer.cancelled = true;
    },
    now: () => world.now,
    random: () => 0.5,
  };
  // Fires the pending timers of at least `ms`, as if that much time passed (probe timeouts never fire).
  world.elapse = async (ms) => {
    const due = world.timers.filter((timer) => !timer.cancelled && timer.ms <= ms && timer.ms < 10000);
    world.timers = world.timers.filter((timer) => !due.includes(timer));
    for (const timer of due) timer.callback();
    await settle();
  };
  return world;
}

/** Lets the subscription's promises (token callback, probe) run. */
async function settle() {
  for (let round = 0; round < 20; round++) await Promise.resolve();
  await new Promise((resolve) => setImmediate(resolve));
}

test("a WebSocket subscription resumes after a lost connection, asking for a fresh token first", async () => {
  const world = fakeBrowser();
  const events = [];
  const statuses = [];
  const tokens = [];
  const subscription = subscribe("http://127.0.0.1:9/events", {
    environment: world.environment,
    token: async (request) => {
      tokens.push(request);
      return "token-" + request.attempt;
    },
    onEvent: (event) => events.push(event.id + ":" + event.data),
    onStatus: (status) => statuses.push(status.state),
  });
  await settle();
  const first = world.sockets[0];
  assert.equal(first.url, "ws://127.0.0.1:9/events?token=token-1");
  assert.equal(first.requested, "wsevent.v1");
  first.open();
  first.receive("hello ep 4\n");
  first.receive("5\nfive");
  first.receive("6\nsix");
  world.now = 6000;
  first.drop(1001);
  await settle();
  assert.equal(subscription.state, "waiting");
  assert.deepEqual(world.fetched, [], "a connection that opened needs no probe");
  await world.elapse(250);
  const second = world.sockets[1];
  assert.equal(second.url, "ws://127.0.0.1:9/events?since=6&epoch=ep&token=token-2");
  second.open();
  second.receive("hello ep 7\n");
  second.receive("6\nsix again");
  second.receive("7\nseven");
  assert.deepEqual(events, ["5:five", "6:six", "7:seven"]);
  assert.deepEqual(subscription.position, { epoch: "ep", id: "7" });
  assert.deepEqual(tokens, [
    { attempt: 1, reason: "connect" },
    { attempt: 2, reason: "reconnect", code: 1001 },
  ]);
  assert.deepEqual(statuses, ["connecting", "open", "waiting", "connecting", "open"]);
  subscription.close();
  assert.equal(second.closed, true);
  assert.equal(subscription.state, "closed");
});

test("a server's first messages reach the application, and a gap is handed over", async () => {
  const world = fakeBrowser();
  const events = [];
  const gaps = [];
  subscribe("ws://h/e", { environment: world.environment, onEvent: (e) => events.push(e.id), onGap: (g) => gaps.push(g) });
  await settle();
  const socket = world.sockets[0];
  socket.open();
  socket.receive("hello ep 10\n");
  socket.receive("9\nnine");
  socket.receive("10\nten");
  socket.receive("gap 11 12\n");
  socket.receive("13\nthirteen");
  assert.deepEqual(events, ["9", "10", "13"]);
  assert.deepEqual(gaps, [{ first: "11", last: "12" }]);
});

test("a refusal that waiting will not mend ends the subscription; one that may pass is retried", async () => {
  const world = fakeBrowser({ answers: [{ status: 503, body: "not ready\n" }, { status: 404, body: "no stream at /nope\n" }] });
  const statuses = [];
  const subscription = subscribe("ws://h/nope", { environment: world.environment, onStatus: (s) => statuses.push(s) });
  await settle();
  world.sockets[0].drop(1006);
  await settle();
  assert.deepEqual(world.fetched, ["http://h/nope"]);
  assert.deepEqual(statuses.at(-1), { state: "waiting", delay: 188, code: 1006, reason: "", why: { status: 503, message: "not ready" } });
  await world.elapse(188);
  world.sockets[1].drop(1006);
  await settle();
  assert.deepEqual(statuses.at(-1), { state: "refused", status: 404, message: "no stream at /nope" });
  assert.equal(subscription.state, "refused");
  assert.equal(world.timers.filter((timer) => !timer.cancelled && timer.ms < 10000).length, 0, "no retry is scheduled");
});

test("a 401 is retried once with a fresh token, then final", async () => {
  const world = fakeBrowser({
    answers: [
      { status: 401, body: "expired" },
      { status: 401, body: "still refused" },
    ],
  });
  const reasons = [];
  const subscription = subscribe("ws://h/e", {
    environment: world.environment,
    token: (request) => {
      reasons.push([request.reason, request.code, request.status].filter((part) => part !== undefined).join(" "));
      return { access_token: "t" + request.attempt };
    },
  });
  await settle();
  world.sockets[0].drop();
  await settle();
  assert.equal(subscription.state, "waiting");
  await world.elapse(1000);
  assert.equal(world.sockets[1].url, "ws://h/e?access_token=t2");
  world.sockets[1].drop();
  await settle();
  assert.equal(subscription.state, "refused");
  assert.deepEqual(reasons, ["connect", "refused 1006 401"]);
});

test("an unreadable refusal (a server away, an origin not allowed) is retried", async () => {
  const world = fakeBrowser({ answers: [{ error: "Failed to fetch" }] });
  const statuses = [];
  subscribe("ws://h/e", { environment: world.environment, onStatus: (s) => statuses.push(s) });
  await settle();
  world.sockets[0].drop();
  await settle();
  assert.equal(statuses.at(-1).state, "waiting");
  assert.equal(statuses.at(-1).why.status, 0);
  assert.match(statuses.at(-1).why.message, /no answer this page may read/);
});

test("a server without wsevent.v1 is refused: it has no ids to resume with", async () => {
  const world = fakeBrowser();
  const subscription = subscribe("ws://h/e", { environment: world.environment });
  await settle();
  world.sockets[0].onopen({});
  assert.equal(subscription.state, "refused");
  assert.equal(world.sockets[0].closed, true);
});

test("an EventSource subscription resumes with Last-Event-ID, decodes binary events and reports gaps", async () => {
  const world = fakeBrowser();
  const events = [];
  const gaps = [];
  const subscription = subscribe("http://h/e", {
    transport: "sse",
    environment: world.environment,
    token: "s3cret",
    onEvent: (event) => events.push([event.id, event.epoch, event.binary ? [...event.data] : event.data]),
    onGap: (gap) => gaps.push(gap),
  });
  await settle();
  const first = world.sources[0];
  assert.equal(first.url, "http://h/e?token=s3cret");
  first.open();
  first.receive("message", "ep.1", "one");
  first.receive("binary", "ep.2", "AAE=");
  first.fail();
  assert.equal(first.closed, true, "the browser's own reconnect is stopped: ours resumes");
  await settle();
  await world.elapse(250);
  const second = world.sources[1];
  assert.equal(second.url, "http://h/e?last_event_id=ep.2&token=s3cret");
  second.open();
  second.receive("message", "ep.2", "two again");
  second.receive("gap", "", '{"first":3,"last":4}');
  second.receive("message", "ep.5", "five");
  assert.deepEqual(events, [["1", "ep", "one"], ["2", "ep", [0, 1]], ["5", "ep", "five"]]);
  assert.deepEqual(gaps, [{ first: "3", last: "4" }]);
  subscription.close();
  assert.equal(second.closed, true);
});

test("an application callback that throws does not stop the subscription", async () => {
  const world = fakeBrowser();
  const seen = [];
  const subscription = subscribe("ws://h/e", {
    environment: world.environment,
    onEvent: (event) => {
      seen.push(event.id);
      throw new Error("app bug");
    },
  });
  await settle();
  world.sockets[0].open();
  world.sockets[0].receive("hello ep 0\n");
  world.sockets[0].receive("1\na");
  world.sockets[0].receive("2\nb");
  assert.deepEqual(seen, ["1", "2"]);
  assert.deepEqual(subscription.position, { epoch: "ep", id: "2" });
  // The errors are thrown from a timer of their own, as a browser reports them.
  const reports = world.timers.filter((timer) => timer.ms === 0);
  assert.equal(reports.length, 2);
  assert.throws(() => reports[0].callback(), /app bug/);
});

test("close() while the token is being fetched opens nothing", async () => {
  const world = fakeBrowser();
  let release;
  const subscription = subscribe("ws://h/e", { environment: world.environment, token: () => new Promise((resolve) => (release = resolve)) });
  subscription.close();
  release("late");
  await settle();
  assert.equal(world.sockets.length, 0);
  assert.equal(subscription.state, "closed");
});
