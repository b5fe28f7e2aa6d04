import WSEventCore

/// The forms the commands take for where a stream is (`-serve`, `-consume`, `wsclient`'s URL):
/// the seed's `HOST:PORT/PATH` (WebSocket; `:PORT` means 127.0.0.1), `ws://` and `wss://` URLs
/// (WebSocket), `http://` and `https://` URLs (SSE).
enum StreamArgument {
    static func parse(_ text: String) -> StreamURL? {
        if text.contains("://") { return StreamURL(text) }
        return WebSocketURL(hostAndTarget: Substring(text), defaultPort: nil, isSecure: false).map { StreamURL($0) }
    }
}
