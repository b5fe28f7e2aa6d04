import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import WSEventWebSocket

/// Subscribes to a stream over Server-Sent Events (what `wsclient --sse` and relays of an
/// `http://` upstream use).
///
/// ```swift
/// let connection = try await SSEClient.connect(to: StreamURL("http://127.0.0.1:8080/events")!, lastEventID: nil)
/// try await connection.run { events in
///     for try await event in events { print(event.id ?? "", event.data) }
/// }
/// ```
///
/// Bounded: the socket is read only as fast as the events are taken, a line or event is at most
/// what ``SSEClientConfiguration/maxMessageSize`` implies, at most 1 KiB of a refusal's body is
/// kept, and the response head must come within ``SSEClientConfiguration/responseTimeout``.
public enum SSEClient {
    /// Sends `GET` with `Accept: text/event-stream` to `url`'s address and returns once the
    /// response head says 200. An `https://` (`wss://`) address is requested over TLS, verified
    /// as the configuration says. Errors show the URL as `http://` or `https://`.
    /// - Throws: ``SSEClientError`` for a status other than 200 (with the status and the first
    ///   line of the body), no head in time, a failed connect or TLS handshake.
    public static func connect(
        to url: StreamURL,
        lastEventID: String?,
        headers: HTTPHeaders = [:],
        configuration: SSEClientConfiguration = SSEClientConfiguration(),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> SSEConnection {
        let url = StreamURL(url.address, transport: .sse)
        var requestHeaders = headers
        requestHeaders.replaceOrAdd(name: "Accept", value: "text/event-stream")
        if let lastEventID { requestHeaders.replaceOrAdd(name: "Last-Event-ID", value: lastEventID) }
        let tls: NIOSSLContext?
        do {
            tls = url.address.isSecure ? try configuration.tls.makeContext() : nil
        } catch {
            throw SSEClientError.tlsFailed(error, url: url)
        }
        let loop = group.next()
        let head = loop.makePromise(of: Void.self)
        let channel: NIOAsyncChannel<ByteBuffer, Never>
        do {
            channel = try await ClientBootstrap(group: loop)
                .connectTimeout(TimeAmount(configuration.connectTimeout))
                .connect(host: url.address.host, port: url.address.port) { [requestHeaders] channel in
                    channel.eventLoop.makeCompletedFuture {
                        try ClientTLS.addHandlerIfSecure(tls, url: url.address, to: channel)
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(
                            SSEResponseHandler(url: url, headers: requestHeaders, responseTimeout: configuration.responseTimeout, head: head)
                        )
                        // The body waits in the channel, not in a queue: past a few reads not
                        // taken yet the socket is not read, and the server's writes back up.
                        return try NIOAsyncChannel<ByteBuffer, Never>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            let wrapped = SSEClientError.connectFailed(error, url: url)
            head.fail(wrapped)
            throw wrapped
        }
        // Anything but a 200 fails `head`, and the handler closes the channel.
        try await head.futureResult.get()
        return SSEConnection(channel: channel, url: url, maxEventBytes: configuration.maxEventBytes)
    }
}
