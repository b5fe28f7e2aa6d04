/// The live demo page at `/`: subscribe with EventSource or WebSocket, see events with their
/// ids, resume across restarts, publish with a token. One document and the server's own
/// wsevent.js (``ClientScript``): no CDN, no build step.
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
        <script type="module">
        // The page subscribes with wsevent.js, the client every server serves at /wsevent.js: it
        // resumes after any disconnect (a restart too), reports gaps, and says why it was refused.
        import { subscribe as follow } from "/wsevent.js";
        const $ = (id) => document.getElementById(id);
        const params = new URLSearchParams(location.search);
        let subscription = null;
        // Where we are in the stream, kept across Subscribe clicks and server restarts.
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
        function received(event) {
          if (event.epoch && epoch && event.epoch !== epoch) show(null, "-- new epoch " + event.epoch + " --", "gap");
          epoch = event.epoch || epoch; lastId = event.id;
          $("count").textContent = String(Number($("count").textContent) + 1);
          $("last").textContent = (epoch ? epoch + "." : "") + event.id;
          show(event.id, event.binary ? "[binary] " + event.data.length + " bytes" : event.data);
        }
        // The library's states in the page's words; `why` is what the server said, if it could be read.
        function describe(status, name) {
          const why = (w) => w ? ": " + (w.status ? w.status + " " + w.message : w.message) : "";
          switch (status.state) {
            case "connecting": return status.attempt === 1 ? "connecting" : null;
            case "open": return "open (" + name + ")";
            case "waiting": return (name === "ws" ? "closed " + (status.code || 1006) + ", reconnecting (ws)" : "reconnecting (sse)") + why(status.why);
            case "refused": return "refused (" + name + ")" + why(status);
            case "closed": return "stopped";
          }
        }
        function stop() {
          if (subscription) { subscription.close(); subscription = null; }
          setStatus("stopped");
        }
        function subscribe() {
          stop();
          const name = transport();
          const token = $("token").value;
          subscription = follow(base() + $("stream").value, {
            transport: name === "sse" ? "sse" : "websocket",
            since: lastId !== null && epoch ? { epoch, id: lastId } : null,
            token: token || null,
            onEvent: received,
            onGap: (gap) => show(null, "-- gap " + gap.first + "-" + gap.last + " --", "gap"),
            onStatus: (status) => { const text = describe(status, name); if (text) setStatus(text); },
          });
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
