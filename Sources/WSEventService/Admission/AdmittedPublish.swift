import NIOCore
import NIOHTTP1
import WSEventStreams
import WSEventTransports
import WSEventWebSocket

/// A publish that passed admission: where the body goes and as what kind of event.
struct AdmittedPublish: Sendable {
    var stream: WireEventStream
    var kind: EventKind
    /// To reopen the stream if it was removed as idle while the body was read.
    var context: ServiceContext
    /// CORS headers for the response.
    var headers: HTTPHeaders
    /// The client sent `Expect: 100-continue` and waits for `100 Continue` before the body.
    var expectsContinue: Bool

    static func tooLarge(_ limit: Int) -> Refusal {
        Refusal(status: .payloadTooLarge, message: "the body is over -max-message-size (\(limit) bytes)")
    }

    /// A text body must be UTF-8.
    private func validate(_ body: ByteBuffer) -> Refusal? {
        guard kind == .text, !body.isValidUTF8 else { return nil }
        return Refusal(status: .badRequest, message: "the body is not valid UTF-8, but its Content-Type is text/*")
    }

    /// The answer to a publish that took: its id and epoch.
    static func answer(id: UInt64, epoch: Epoch) -> String {
        "{\"id\":\(id),\"epoch\":\"\(epoch)\"}\n"
    }

    /// Publishes the complete body to a durable stream's store; answers once it is committed.
    /// While the store cannot be reached: 503 with Retry-After, and nothing acknowledged.
    func publish(_ body: ByteBuffer, to log: any DurableLog) async -> Result<String, Refusal> {
        if let refusal = validate(body) { return .failure(refusal) }
        // The log's events come back through the stream: take none while it is overloaded.
        guard stream.takesPublishes else { return .failure(.full(stream.path)) }
        do {
            let (id, epoch) = try await log.append(kind: kind, payload: .bytes(body))
            return .success(Self.answer(id: id, epoch: epoch))
        } catch {
            return .failure(.storeUnavailable(error, doing: "the event was not acknowledged"))
        }
    }

    /// Publishes the complete body; the JSON answer or the refusal.
    func publish(_ body: ByteBuffer) -> Result<String, Refusal> {
        if let refusal = validate(body) { return .failure(refusal) }
        var target = stream
        // Twice at most: a stream opened on demand may have been removed as idle while the
        // body was on its way (it had no subscriber, or it would not have been); the event
        // then opens the path's stream again, as a publish to an unknown path would.
        for _ in 0..<2 {
            do {
                let (id, epoch) = try target.publish(kind: kind, payload: body)
                return .success(Self.answer(id: id, epoch: epoch))
            } catch StreamPublishError.closed {
                return .failure(
                    Refusal(status: .serviceUnavailable, message: "the server is shutting down; publish again elsewhere", headers: ["Retry-After": "1"])
                )
            } catch StreamPublishError.full {
                return .failure(.full(target.path))
            } catch StreamPublishError.idsExhausted {
                return .failure(.idsExhausted(target.path))
            } catch StreamPublishError.removed {
                switch context.openStream(at: target.path) {
                case .success(let reopened): target = reopened
                case .failure(let refusal): return .failure(refusal)
                }
            } catch {
                return .failure(Refusal(status: .conflict, message: "\(stream.path) relays its events: publish at the origin"))
            }
        }
        return .failure(Refusal(status: .serviceUnavailable, message: "\(stream.path) was removed as idle twice during this publish; retry"))
    }
}
