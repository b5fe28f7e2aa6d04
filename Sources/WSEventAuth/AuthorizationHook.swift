import AsyncHTTPClient
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOSSL

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Asks the app's backend whether a request may go on (`-authorize-url`): POSTs a
/// ``HookRequest`` and reads the answer (``HookDecision``), over a pool of keep-alive
/// connections (async-http-client), with a deadline, over TLS for an `https://` URL. Answers
/// are cached by `Cache-Control: max-age`, and one question in flight is asked once however
/// many requests ask it.
public final class AuthorizationHook: Sendable {
    public let settings: HookSettings
    private let client: HTTPClient
    private let cache: NIOLockedValueBox<HookCacheState<EventLoopFuture<HookDecision>>>
    private let logger: Logger
    /// Told how long each call took and how it ended (`allowed`, `denied`, `unavailable`).
    private let observe: @Sendable (Duration, String) -> Void
    /// Calls made to the backend (not answered from the cache), for tests and `/metrics`.
    private let calls = NIOLockedValueBox(0)
    /// The wall clock, for expiries in answers; tests pass their own.
    private let now: @Sendable () -> Date

    /// - Throws: ``HookSettingsError`` when the URL is not `http://` or `https://`, or the CA
    ///   file does not load.
    public init(
        settings: HookSettings,
        eventLoopGroup: any EventLoopGroup,
        logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() },
        observe: @escaping @Sendable (Duration, String) -> Void = { _, _ in }
    ) throws {
        try Self.check(settings)
        self.settings = settings
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile = settings.caFile {
            tls.trustRoots = .file(caFile)
        }
        let timeout = TimeAmount(settings.timeout)
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls,
            redirectConfiguration: .disallow,
            timeout: HTTPClient.Configuration.Timeout(connect: timeout, read: timeout),
            connectionPool: HTTPClient.Configuration.ConnectionPool(idleTimeout: TimeAmount(AuthTiming.backendIdleTimeout))
        )
        configuration.httpVersion = .automatic
        client = HTTPClient(eventLoopGroupProvider: .shared(eventLoopGroup), configuration: configuration)
        cache = NIOLockedValueBox(HookCacheState(capacity: settings.maxCachedAnswers))
        self.logger = logger
        self.now = now
        self.observe = observe
    }

    /// Checks the URL and the CA file, for the flags: one line for what is wrong.
    public static func check(_ settings: HookSettings) throws {
        guard let url = URL(string: settings.url), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            url.host != nil
        else {
            throw HookSettingsError("'\(settings.url)' is not an http:// or https:// URL")
        }
        if let caFile = settings.caFile {
            do {
                _ = try NIOSSLCertificate.fromPEMFile(caFile)
            } catch {
                throw HookSettingsError("CA file '\(caFile)' does not load: \(error)")
            }
        }
    }

    /// Calls made to the backend so far (answers from the cache not counted).
    public var backendCalls: Int { calls.withLockedValue { $0 } }

    /// Asks the backend, or the cache. Completes on `eventLoop`, never fails: a backend that
    /// cannot be asked is ``HookDecision/unavailable(_:)``.
    public func authorize(_ question: HookRequest, on eventLoop: any EventLoop) -> EventLoopFuture<HookDecision> {
        let key = question.cacheKey
        // A promise only for a question this call asks: one made for an answer from the cache
        // or from a question in flight would never be completed.
        var asked: EventLoopPromise<HookDecision>?
        let lookup = cache.withLockedValue { state in
            state.lookup(key, now: .now()) {
                let promise = eventLoop.makePromise(of: HookDecision.self)
                asked = promise
                return promise.futureResult
            }
        }
        switch lookup {
        case .cached(let decision):
            return eventLoop.makeSucceededFuture(decision)
        case .inFlight(let answer):
            return answer.hop(to: eventLoop)
        case .ask:
            guard let promise = asked else { preconditionFailure("HookCacheState answered .ask without taking the pending answer") }
            ask(question, key: key, promise: promise, on: eventLoop)
            return promise.futureResult
        }
    }

    private func ask(_ question: HookRequest, key: HookCacheKey, promise: EventLoopPromise<HookDecision>, on eventLoop: any EventLoop) {
        calls.withLockedValue { $0 += 1 }
        let started = ContinuousClock.now
        let finish: @Sendable (HookDecision, Duration) -> Void = { [cache, observe] decision, cacheFor in
            cache.withLockedValue { $0.answered(key, decision: decision, cacheFor: cacheFor, now: .now()) }
            let outcome =
                switch decision {
                case .allowed: "allowed"
                case .denied: "denied"
                case .unavailable: "unavailable"
                }
            observe(ContinuousClock.now - started, outcome)
            promise.succeed(decision)
        }
        let request: HTTPClient.Request
        do {
            request = try HTTPClient.Request(
                url: settings.url,
                method: .POST,
                headers: ["Content-Type": "application/json", "Accept": "application/json"],
                body: .bytes(question.json)
            )
        } catch {
            return finish(.unavailable("the hook URL cannot be requested: \(error)"), .zero)
        }
        let deadline = NIODeadline.now() + TimeAmount(settings.timeout)
        let task = client.execute(
            request: request,
            delegate: ResponseAccumulator(request: request, maxBodySize: 64 << 10),
            eventLoop: .delegate(on: eventLoop),
            deadline: deadline
        )
        let now = self.now
        let logger = self.logger
        let timeout = settings.timeout
        task.futureResult.whenComplete { result in
            switch result {
            case .success(let response):
                let (decision, cacheFor) = HookAnswer.read(status: Int(response.status.code), headers: response.headers, body: response.body, now: now())
                if case .unavailable(let why) = decision {
                    logger.warning("authorization backend unavailable: \(why)", metadata: ["path": "\(question.path)", "action": "\(question.action.rawValue)"])
                }
                finish(decision, cacheFor)
            case .failure(let error):
                let why: String =
                    if let clientError = error as? HTTPClientError, clientError == .deadlineExceeded || clientError == .readTimeout {
                        "no answer within -authorize-timeout (\(timeout))"
                    } else {
                        "\(error)"
                    }
                logger.warning("authorization backend unavailable: \(why)", metadata: ["path": "\(question.path)", "action": "\(question.action.rawValue)"])
                finish(.unavailable(why), .zero)
            }
        }
    }

    /// Closes the pool's connections; questions in flight end as unavailable.
    public func shutdown() async {
        try? await client.shutdown()
    }
}

/// A `-authorize-url` setting that cannot work.
public struct HookSettingsError: Error, Sendable, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
