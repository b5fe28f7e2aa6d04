/// The live demo page at `/`: subscribe with EventSource or WebSocket, see events with their
/// ids, resume across restarts, publish with a token. One self-contained document: no CDN,
/// no build step.
///
/// Query parameters preset the form and start subscribing at once (the browser test uses them):
/// `stream`, `transport` (`sse` or `ws`), `token`, `server` (another wsevent origin, for CORS).
enum DemoPage {
    static func html(streams: [String]) -> String {
        let options = streams.map { "<option>\(escape($0))</option>" }.joined()
        return template.replacing("{{OPTIONS}}", with: options)
    }

    private static func escape(_ text: String) -> String {
        text.replacing("&", with: "&amp;").replacing("<", with: "&lt;").replacing(">", with: "&gt;")
            .replacing("\"", with: "&quot;")
    }

    private static let template = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>wsevent</title>
        <style>
          body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; max-width: 60rem; }
          fieldset { border: 1px solid #ccc; margin-bottom: 1rem; }
          #events { font-family: ui-monospace, monospace; max-height: 60vh; overflow: auto; padding-left: 4rem; }
          #events li.gap { color: #b00; }
          #status { font-weight: bold; }
          input[type=text] { width: 14rem; }
          fieldset label { display: inline-block; margin: 0 1rem .4rem 0; }
        </style>
        </head>
        <body>
        <h1>wsevent</h1>
        <fieldset>
          <legend>Subscribe</legend>
          <label>Stream <select id="stream">{{OPTIONS}}</select></label>
          <label><input type="radio" name="transport" value="sse" checked> EventSource (SSE)</label>
          <label><input type="radio" name="transport" value="ws"> WebSocket (wsevent.v1)</label>
          <label>Server <input type="text" id="server" placeholder="this one"></label>
          <label>Token <input type="text" id="token" placeholder="subscribe/publish token"></label>
          <button id="connect">Subscribe</button> <button id="disconnect">Stop</button>
          <p>Status: <span id="status">idle</span> &middot; events: <span id="count">0</span> &middot; last id: <span id="last">-</span></p>
        </fieldset>
        <fieldset>
          <legend>Publish</legend>
          <textarea id="payload" rows="2" cols="60">hello from the browser</textarea>
          <button id="publish">Publish</button> <span id="published"></span>
        </fieldset>
        <ol id="events"></ol>
        <script>
        "use strict";
        const $ = (id) => document.getElementById(id);
        const params = new URLSearchParams(location.search);
        let source = null, socket = null, retryTimer = null, backoff = 250;
        // Where we are in the stream, kept across reconnects and server restarts.
        let epoch = null, lastId = null;

        function base() { return ($("server").value || location.origin).replace(/\/$/, ""); }
        function transport() { return document.querySelector("input[name=transport]:checked").value; }
        function setStatus(text) { $("status").textContent = text; }
        function show(id, text, cls) {
          const li = document.createElement("li");
          if (id !== null) li.value = Number(id);
          if (cls) li.className = cls;
          li.dataset.id = id === null ? "" : id;
          li.textContent = text;
          $("events").appendChild(li);
          $("events").scrollTop = $("events").scrollHeight;
        }
        function received(id, ep, text) {
          if (ep && epoch && ep !== epoch) show(null, "-- new epoch " + ep + " --", "gap");
          epoch = ep || epoch; lastId = id;
          $("count").textContent = String(Number($("count").textContent) + 1);
          $("last").textContent = (epoch ? epoch + "." : "") + id;
          show(id, text);
        }
        function stop() {
          clearTimeout(retryTimer);
          if (source) { source.close(); source = null; }
          if (socket) { socket.onclose = null; socket.close(); socket = null; }
          setStatus("stopped");
        }
        function subscribeSSE() {
          const url = new URL(base() + $("stream").value);
          if (lastId !== null && epoch) url.searchParams.set("last_event_id", epoch + "." + lastId);
          if ($("token").value) url.searchParams.set("token", $("token").value);
          source = new EventSource(url);
          source.onopen = () => setStatus("open (sse)");
          source.onerror = () => {
            if (source.readyState !== EventSource.CLOSED) return setStatus("reconnecting (sse)");
            setStatus("refused (sse)");
            explain(url).then((why) => { if (why) setStatus("refused (sse): " + why.text); });
          };
          const handle = (e, text) => {
            const [ep, id] = e.lastEventId.split(".");
            received(id, ep, text);
          };
          source.onmessage = (e) => handle(e, e.data);
          source.addEventListener("binary", (e) => handle(e, "[binary] " + e.data));
          source.addEventListener("gap", (e) => { const g = JSON.parse(e.data); show(null, "-- gap " + g.first + "-" + g.last + " --", "gap"); });
        }
        function subscribeWS() {
          const url = new URL(base().replace(/^http/, "ws") + $("stream").value);
          if (lastId !== null && epoch) { url.searchParams.set("since", lastId); url.searchParams.set("epoch", epoch); }
          if ($("token").value) url.searchParams.set("token", $("token").value);
          socket = new WebSocket(url, "wsevent.v1");
          socket.binaryType = "arraybuffer";
          let opened = false;
          socket.onopen = () => { opened = true; setStatus("open (ws)"); backoff = 250; };
          socket.onmessage = (e) => {
            const text = typeof e.data === "string" ? e.data : new TextDecoder().decode(e.data);
            const newline = text.indexOf("\n");
            const header = text.slice(0, newline), payload = text.slice(newline + 1);
            const words = header.split(" ");
            if (words[0] === "hello") {
              if (epoch && words[1] !== epoch) show(null, "-- new epoch " + words[1] + " --", "gap");
              epoch = words[1];
            } else if (words[0] === "gap") {
              show(null, "-- gap " + words[1] + "-" + words[2] + " --", "gap");
            } else {
              received(header, null, typeof e.data === "string" ? payload : "[binary] " + payload);
            }
          };
          socket.onclose = async (e) => {
            const closed = socket;
            setStatus("closed " + e.code + ", reconnecting (ws)");
            // A browser hides why an upgrade was refused: ask the same URL over HTTP, and stop
            // retrying when the answer says waiting will not help (no such stream, a wrong token).
            const why = opened ? null : await explain(new URL(url.href.replace(/^ws/, "http")));
            if (socket !== closed) return;
            if (why && why.final) return setStatus("refused (ws): " + why.text);
            if (why) setStatus("closed " + e.code + ", reconnecting (ws): " + why.text);
            retryTimer = setTimeout(subscribeWS, backoff * (0.5 + Math.random() / 2));
            backoff = Math.min(backoff * 2, 5000);
          };
        }
        // Why the server refuses to subscribe `url`: its status and one line, and whether that is
        // final (a 4xx other than 408 and 429). The checks are the same for SSE and WebSocket.
        // A disallowed origin's refusal carries no CORS headers, so the page cannot read it.
        async function explain(url) {
          const controller = new AbortController();
          try {
            const response = await fetch(url, { headers: { "Accept": "text/event-stream" }, signal: controller.signal });
            if (response.ok) { controller.abort(); return null; }
            const text = response.status + " " + (await response.text()).trim();
            const final = response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429;
            return { text, final };
          } catch (e) {
            return { text: "no answer this page may read (the server is down, or does not allow this page's origin)", final: false };
          }
        }
        function subscribe() {
          stop();
          setStatus("connecting");
          transport() === "sse" ? subscribeSSE() : subscribeWS();
        }
        async function publish() {
          const response = await fetch(base() + $("stream").value, {
            method: "POST",
            headers: { "Content-Type": "text/plain; charset=utf-8", "Authorization": "Bearer " + $("token").value },
            body: $("payload").value,
          });
          $("published").textContent = response.status + " " + (await response.text()).trim();
        }
        $("connect").onclick = subscribe;
        $("disconnect").onclick = stop;
        $("publish").onclick = () => publish().catch((e) => { $("published").textContent = "failed: " + e; });
        if (params.get("stream")) {
          // `events` means `/events`; a stream not listed (a topic not opened yet) is added.
          const path = params.get("stream").startsWith("/") ? params.get("stream") : "/" + params.get("stream");
          if (![...$("stream").options].some((o) => o.value === path)) $("stream").add(new Option(path, path));
          $("stream").value = path;
        }
        if (params.get("token")) $("token").value = params.get("token");
        if (params.get("server")) $("server").value = params.get("server");
        if (params.get("transport")) {
          document.querySelector("input[value=" + (params.get("transport") === "ws" ? "ws" : "sse") + "]").checked = true;
          subscribe();
        }
        </script>
        </body>
        </html>
        """#
}
