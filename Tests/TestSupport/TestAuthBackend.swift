import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// An app's authorization backend, for the `-authorize-url` tests: an HTTP server on
/// 127.0.0.1 that records each question (the JSON the wsevent server POSTs) and answers as the
/// test scripts it: a status, headers, a body, after a delay.
public final class TestAuthBackend: Sendable {
    /// One scripted answer.
    public struct Answer: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: String
        /// How long to wait before answering (longer than `-authorize-timeout`: 503).
        public var delay: TimeAmount

        public init(status: Int = 200, headers: [String: String] = [:], body: String = "", delay: TimeAmount = .zero) {
            self.status = status
            self.headers = headers
            self.body = body
            self.delay = delay
        }
    }

    /// Decides the answer to a question (its JSON, decoded).
    public typealias Script = @Sendable ([String: Any]) -> Answer

    private let channel: Channel
    private let record: NIOLockedValueBox<[String]>

    /// The port on 127.0.0.1.
    public var port: Int { channel.localAddress?.port ?? 0 }
    /// The URL to give `-authorize-url`.
    public var url: String { "\(scheme)://127.0.0.1:\(port)/internal/wsevent-auth" }
    /// The questions received, as JSON text, in order.
    public var questions: [String] { record.withLockedValue { $0 } }
    /// The questions received, decoded.
    public var decodedQuestions: [[String: Any]] {
        questions.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    private let scheme: String

    private init(channel: Channel, record: NIOLockedValueBox<[String]>, scheme: String) {
        self.channel = channel
        self.record = record
        self.scheme = scheme
    }

    /// Listens on 127.0.0.1 with a free port; over TLS with `tls`'s certificate (the URL is then
    /// `https://`).
    public static func start(tls: TestCertificates? = nil, _ script: @escaping Script) async throws -> TestAuthBackend {
        let record = NIOLockedValueBox<[String]>([])
        let context = try tls.map { certificates in
            try NIOSSLContext(
                configuration: .makeServerConfiguration(
                    certificateChain: try NIOSSLCertificate.fromPEMFile(certificates.certificateFile).map { .certificate($0) },
                    privateKey: .privateKey(try NIOSSLPrivateKey(file: certificates.keyFile, format: .pem))
                )
            )
        }
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let context {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                    }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(script: script, record: record))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return TestAuthBackend(channel: channel, record: record, scheme: tls == nil ? "http" : "https")
    }

    /// Answers every question with `answer`.
    public static func start(tls: TestCertificates? = nil, always answer: Answer) async throws -> TestAuthBackend {
        try await start(tls: tls) { _ in answer }
    }

    public func stop() async {
        try? await channel.close()
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let script: Script
        let record: NIOLockedValueBox<[String]>
        var body: [UInt8] = []

        init(script: @escaping Script, record: NIOLockedValueBox<[String]>) {
            self.script = script
            self.record = record
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head:
                body = []
            case .body(let chunk):
                body += chunk.readableBytesView
            case .end:
                let text = String(decoding: body, as: UTF8.self)
                record.withLockedValue { $0.append(text) }
                let question = (try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]) ?? [:]
                let answer = script(question)
                let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                context.eventLoop.scheduleTask(in: answer.delay) {
                    let (handler, context) = loopBound.value
                    handler.respond(answer, context: context)
                }
            }
        }

        private func respond(_ answer: Answer, context: ChannelHandlerContext) {
            guard context.channel.isActive else { return }
            var headers = HTTPHeaders(answer.headers.map { ($0.key, $0.value) })
            headers.replaceOrAdd(name: "Content-Length", value: "\(answer.body.utf8.count)")
            let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: answer.status), headers: headers)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: answer.body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
