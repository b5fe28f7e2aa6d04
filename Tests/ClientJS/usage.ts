// Type-checked against wsevent.d.ts (`tsc -p Tests/ClientJS`), never run: what an application
// writes with wsevent.js must compile under strict TypeScript, and what it must not, must not.

import { subscribe, Subscription, type Position, type Status, type StreamEvent } from "../../Sources/WSEventService/Client/wsevent.js";

const seen: string[] = [];
let saved: Position | null = null;

const subscription: Subscription = subscribe("/events", {
  transport: "sse",
  since: saved,
  token: async ({ attempt, reason }) => (reason === "refused" || attempt > 1 ? { access_token: "fresh" } : "first"),
  backoff: { initial: 100, maximum: 10_000 },
  onEvent: (event: StreamEvent) => {
    seen.push(typeof event.data === "string" ? event.data : `${event.data.byteLength} bytes`);
  },
  onGap: ({ first, last }) => console.warn(first === "0" ? "new epoch" : `lost ${first}-${last}`),
  onStatus: (status: Status) => {
    if (status.state === "waiting") console.log(status.delay, status.why?.status);
    if (status.state === "refused") console.log(status.status, status.message);
  },
});

saved = subscription.position;
const state: "connecting" | "open" | "waiting" | "refused" | "closed" = subscription.state;
subscription.close();

subscribe(new URL("wss://events.example.com/orders"), { since: { epoch: "e", id: 41n }, token: null });

// @ts-expect-error: a transport that does not exist
subscribe("/events", { transport: "long-polling" });
// @ts-expect-error: ids are strings, not numbers
const wrong: number = subscription.position!.id;

export { state, wrong };
