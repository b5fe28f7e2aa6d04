import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A blocking TCP socket to 127.0.0.1 for tests that must send what no proper client sends
/// (garbage HTTP, unmasked or oversized frames) or must stop reading. Reads time out after
/// `receiveTimeout` seconds, so nothing here can hang.
public final class RawSocket: @unchecked Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    private let fd: Int32

    /// - Parameter receiveBuffer: a small `SO_RCVBUF` makes a non-reading peer back up quickly.
    public init(port: Int, receiveBuffer: Int32? = nil, receiveTimeout: Int = 60) throws {
        // connect() to loopback does not block long enough to matter.
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket() failed") }
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var timeout = timeval(tv_sec: receiveTimeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            Glibc.close(fd)
            throw Failure(description: "connect to port \(port) failed")
        }
    }

    /// Whether ``abort()`` closed the descriptor already.
    private var aborted = false

    deinit { if !aborted { Glibc.close(fd) } }

    /// Drops the connection as a crashed client or a pulled cable would end it for the server:
    /// a TCP reset, with no close frame and no orderly shutdown before it.
    public func abort() {
        guard !aborted else { return }
        aborted = true
        var option = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<Glibc.linger>.size))
        Glibc.close(fd)
    }

    // The public API is async: each blocking call runs on its own thread, never on the
    // concurrency pool (2 threads here), which a blocked read would stall for every test.

    public func send(_ bytes: [UInt8]) async throws {
        try await offPool { try self.blockingSend(bytes) }
    }

    public func send(_ text: String) async throws {
        try await send(Array(text.utf8))
    }

    /// Ends the sending side (`shutdown(SHUT_WR)`): the peer reads end of stream, and this
    /// socket can still read its answers.
    public func shutdownWrite() {
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    /// Reads what is available: empty at end of stream (or a reset), `nil` when the receive
    /// timeout passed first.
    public func receiveOrTimeout(max: Int = 65536) async -> [UInt8]? {
        try? await offPool { () -> [UInt8]? in
            var buffer = [UInt8](repeating: 0, count: max)
            let count = buffer.withUnsafeMutableBytes { recv(self.fd, $0.baseAddress, max, 0) }
            if count < 0 { return errno == EAGAIN || errno == EWOULDBLOCK ? nil : [] }
            return Array(buffer[0..<count])
        }
    }

    public func receive(max: Int = 65536) async throws -> [UInt8] {
        try await offPool { try self.blockingReceive(max: max) }
    }

    public func receiveAll(limit: Int = 64 << 20) async -> [UInt8] {
        (try? await offPool { self.blockingReceiveAll(limit: limit) }) ?? []
    }

    public func receiveFramesUntilClose(after initial: [UInt8] = []) async -> [RawFrame] {
        (try? await offPool { self.blockingReceiveFramesUntilClose(after: initial) }) ?? []
    }

    /// Reads frames until one matches `stop` (or the stream ends).
    public func receiveFrames(after initial: [UInt8] = [], until stop: @escaping @Sendable (RawFrame) -> Bool) async -> [RawFrame] {
        (try? await offPool { self.blockingReceiveFrames(after: initial, until: stop) }) ?? []
    }

    /// Reads an HTTP response head; `initial` are bytes already read (the start of this head).
    public func receiveHTTPHead(after initial: [UInt8] = []) async throws -> (head: String, rest: [UInt8]) {
        try await offPool { try self.blockingReceiveHTTPHead(after: initial) }
    }

    public func upgrade(_ target: String, protocols: [String] = [], extraHeaders: String = "") async throws -> (head: String, rest: [UInt8]) {
        try await offPool { try self.blockingUpgrade(target, protocols: protocols, extraHeaders: extraHeaders) }
    }

    public func sendFrame(opcode: UInt8, payload: [UInt8], fin: Bool = true, masked: Bool = true, rsv1: Bool = false) async throws {
        try await offPool { try self.blockingSendFrame(opcode: opcode, payload: payload, fin: fin, masked: masked, rsv1: rsv1) }
    }

    private func blockingSend(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw Failure(description: "send failed") }
            offset += sent
        }
    }

    /// Reads what is available (blocking up to the timeout); empty at end of stream.
    private func blockingReceive(max: Int = 65536) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: max)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, max, 0) }
        if count < 0 { throw Failure(description: "receive failed or timed out (errno \(errno))") }
        return Array(buffer[0..<count])
    }

    /// Reads until the peer closes (or `limit` bytes, or the timeout).
    private func blockingReceiveAll(limit: Int) -> [UInt8] {
        var result: [UInt8] = []
        while result.count < limit, let chunk = try? blockingReceive(), !chunk.isEmpty {
            result += chunk
        }
        return result
    }

    /// Reads frames until a close frame arrives (or the stream ends); `initial` are bytes
    /// already read past the HTTP head.
    /// Reads frames until the peer closes, answering its first `answering` pings with pongs as
    /// they come; returns every frame read. All of it runs on a thread of its own, so a peer
    /// that must answer in time does not wait for the concurrency pool, which a loaded machine's
    /// other tests may hold for seconds.
    public func answerPings(_ answering: Int, after initial: [UInt8] = []) async -> [RawFrame] {
        (try? await offPool { self.blockingAnswerPings(answering, after: initial) }) ?? []
    }

    private func blockingAnswerPings(_ answering: Int, after initial: [UInt8]) -> [RawFrame] {
        var bytes = initial
        var end = 0
        var frames: [RawFrame] = []
        var answered = 0
        repeat {
            let more = RawFrame.parse(bytes, from: end)
            end = more.end
            frames += more.parsed
            for frame in more.parsed where frame.opcode == 0x9 && answered < answering {
                answered += 1
                guard (try? blockingSendFrame(opcode: 0xA, payload: frame.payload, fin: true, masked: true, rsv1: false)) != nil else { return frames }
            }
            guard let chunk = try? blockingReceive(), !chunk.isEmpty else { return frames }
            bytes += chunk
        } while true
    }

    private func blockingReceiveFramesUntilClose(after initial: [UInt8]) -> [RawFrame] {
        blockingReceiveFrames(after: initial) { $0.opcode == 0x8 }
    }

    /// Parses as the bytes come, each byte once: a flood of small frames arrives in many chunks.
    private func blockingReceiveFrames(after initial: [UInt8], until stop: (RawFrame) -> Bool) -> [RawFrame] {
        var bytes = initial
        var (frames, end) = RawFrame.parse(bytes, from: 0)
        var stopped = frames.contains(where: stop)
        while !stopped, let chunk = try? blockingReceive(), !chunk.isEmpty {
            bytes += chunk
            let more = RawFrame.parse(bytes, from: end)
            end = more.end
            stopped = more.parsed.contains(where: stop)
            frames += more.parsed
        }
        return frames
    }

    /// Reads an HTTP response head; returns it and any bytes after it.
    private func blockingReceiveHTTPHead(after initial: [UInt8] = []) throws -> (head: String, rest: [UInt8]) {
        var bytes = initial
        let marker: [UInt8] = Array("\r\n\r\n".utf8)
        while true {
            if let end = bytes.firstRange(of: marker) {
                return (String(decoding: bytes[..<end.lowerBound], as: UTF8.self), Array(bytes[end.upperBound...]))
            }
            let chunk = try blockingReceive()
            guard !chunk.isEmpty else { return (String(decoding: bytes, as: UTF8.self), []) }
            bytes += chunk
        }
    }

    /// Sends a WebSocket upgrade for `target` and returns the response head and leftover bytes.
    private func blockingUpgrade(_ target: String, protocols: [String], extraHeaders: String) throws -> (head: String, rest: [UInt8]) {
        var request = "GET \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        request += "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        if !protocols.isEmpty { request += "Sec-WebSocket-Protocol: \(protocols.joined(separator: ", "))\r\n" }
        request += extraHeaders + "\r\n"
        try blockingSend(Array(request.utf8))
        return try blockingReceiveHTTPHead()
    }

    /// Sends one frame; masked unless told otherwise (clients must mask).
    private func blockingSendFrame(opcode: UInt8, payload: [UInt8], fin: Bool, masked: Bool, rsv1: Bool) throws {
        var frame: [UInt8] = [(fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode]
        let maskBit: UInt8 = masked ? 0x80 : 0
        switch payload.count {
        case 0...125: frame.append(maskBit | UInt8(payload.count))
        case 126...65535:
            frame.append(maskBit | 126)
            frame += [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        default:
            frame.append(maskBit | 127)
            frame += (0..<8).reversed().map { UInt8((payload.count >> ($0 * 8)) & 0xFF) }
        }
        if masked {
            let key: [UInt8] = [0x12, 0x34, 0x56, 0x78]
            frame += key
            frame += payload.enumerated().map { $0.element ^ key[$0.offset % 4] }
        } else {
            frame += payload
        }
        try blockingSend(frame)
    }
}

/// Runs a blocking call on a thread of its own and awaits its result.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.start()
    }
}

/// A server-to-client frame parsed from raw bytes.
public struct RawFrame: Sendable {
    public var opcode: UInt8
    public var payload: [UInt8]

    /// The close code of a close frame.
    public var closeCode: UInt16? {
        guard opcode == 0x8, payload.count >= 2 else { return nil }
        return UInt16(payload[0]) << 8 | UInt16(payload[1])
    }

    /// Parses as many complete unmasked frames as `bytes` holds.
    public static func parseAll(_ bytes: [UInt8]) -> [RawFrame] {
        parse(bytes, from: 0).parsed
    }

    /// Parses the complete unmasked frames of `bytes` from `start`; `end` is where the first
    /// incomplete one starts.
    public static func parse(_ bytes: [UInt8], from start: Int) -> (parsed: [RawFrame], end: Int) {
        var frames: [RawFrame] = []
        var index = start
        while index + 2 <= bytes.count {
            let opcode = bytes[index] & 0x0F
            var length = Int(bytes[index + 1] & 0x7F)
            var header = 2
            if length == 126 {
                guard index + 4 <= bytes.count else { break }
                length = Int(bytes[index + 2]) << 8 | Int(bytes[index + 3])
                header = 4
            } else if length == 127 {
                guard index + 10 <= bytes.count else { break }
                length = (0..<8).reduce(0) { $0 << 8 | Int(bytes[index + 2 + $1]) }
                header = 10
            }
            guard index + header + length <= bytes.count else { break }
            frames.append(RawFrame(opcode: opcode, payload: Array(bytes[(index + header)..<(index + header + length)])))
            index += header + length
        }
        return (frames, index)
    }
}
