import NIOHTTP1
import WSEventStreams
import WSEventTransports

/// A `POST /<path>`, as the checks of ``PublishAdmission`` read it: its head and target, parsed
/// once, and what the checks found so far.
struct PublishRequest: CheckedRequest {
    let head: HTTPRequestHead
    let target: RequestTarget
    /// The stream at the path, if one exists; `nil` for a path where a publish may open one.
    var stream: WireEventStream?
    /// CORS headers for the answer.
    var headers: HTTPHeaders = [:]
    /// The client waits for `100 Continue` before it sends the body.
    var expectsContinue = false

    init(_ head: HTTPRequestHead) {
        self.head = head
        target = RequestTarget(head.uri)
    }

    /// A `text/*` body is a text event; anything else is binary.
    var kind: EventKind {
        let contentType = head.headers.first(name: "Content-Type")?.lowercased() ?? ""
        return contentType.hasPrefix("text/") ? .text : .binary
    }
}
