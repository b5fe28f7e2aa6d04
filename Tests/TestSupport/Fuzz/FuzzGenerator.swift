import Foundation

/// SplitMix64: a small seeded generator, so that every fuzz case is the same bytes on every
/// machine and every run, given its seed and index.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// The generator of case `index` of a run seeded `seed`: cases do not depend on each other,
    /// so one can be replayed alone.
    public init(seed: UInt64, index: Int) {
        var mixer = SplitMix64(seed: seed ^ (UInt64(index) &* 0xD1B5_4A32_D192_ED03))
        state = mixer.next()
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }
    public mutating func chance(_ percent: Int) -> Bool { int(0...99) < percent }
    public mutating func pick<T>(_ choices: [T]) -> T { choices[int(0...(choices.count - 1))] }
    public mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) } }
}

/// One fuzz case: bytes for a fresh connection.
public enum FuzzCase: Sendable, CustomStringConvertible {
    /// Raw HTTP bytes, sent in `pieces`; `halfClose`: the sending side is shut after them.
    case http(pieces: [[UInt8]], halfClose: Bool)
    /// A valid upgrade to `target` (offering `protocols`), then raw frame bytes, then a close
    /// frame of the client's own.
    case webSocket(target: String, protocols: [String], frames: [FuzzFrame])

    public var description: String {
        switch self {
        case .http(let pieces, let halfClose):
            let bytes = Array(pieces.joined())
            return "HTTP, \(bytes.count) bytes in \(pieces.count) pieces, half-close \(halfClose): \(Self.escape(bytes.prefix(600)))"
        case .webSocket(let target, let protocols, let frames):
            return "WebSocket \(target) \(protocols): " + frames.map(\.description).joined(separator: ", ")
        }
    }

    static func escape(_ bytes: some Collection<UInt8>) -> String {
        var text = ""
        for byte in bytes {
            switch byte {
            case 0x0D: text += "\\r"
            case 0x0A: text += "\\n"
            case 0x5C: text += "\\\\"
            case 0x20...0x7E: text.unicodeScalars.append(Unicode.Scalar(byte))
            default: text += "\\x" + String(byte, radix: 16)
            }
        }
        return text + (bytes.count >= 600 ? "..." : "")
    }
}

/// One client frame as the fuzzer built it, possibly lying about its length.
public struct FuzzFrame: Sendable, CustomStringConvertible {
    public var first: UInt8
    public var masked: Bool
    public var payload: [UInt8]
    /// The length the header claims, when it is not the payload's.
    public var claimedLength: UInt64?
    /// Use the 127 form even for a short length (non-minimal, which RFC 6455 forbids).
    public var longForm: Bool

    public init(first: UInt8, masked: Bool, payload: [UInt8], claimedLength: UInt64? = nil, longForm: Bool = false) {
        self.first = first
        self.masked = masked
        self.payload = payload
        self.claimedLength = claimedLength
        self.longForm = longForm
    }

    public var description: String {
        var text = "[b0=0x\(String(first, radix: 16)) mask=\(masked) len=\(payload.count)"
        if let claimedLength { text += " claims=\(claimedLength)" }
        if longForm { text += " 127-form" }
        return text + " payload=\(FuzzCase.escape(payload.prefix(24)))]"
    }

    public var bytes: [UInt8] {
        let length = claimedLength ?? UInt64(payload.count)
        var frame: [UInt8] = [first]
        let maskBit: UInt8 = masked ? 0x80 : 0
        if length <= 125 && !longForm {
            frame.append(maskBit | UInt8(length))
        } else if length <= 0xFFFF && !longForm {
            frame += [maskBit | 126, UInt8(length >> 8), UInt8(length & 0xFF)]
        } else {
            frame.append(maskBit | 127)
            frame += (0..<8).reversed().map { UInt8((length >> ($0 * 8)) & 0xFF) }
        }
        if masked {
            let key: [UInt8] = [0xA1, 0x5B, 0x07, 0xE3]
            frame += key
            frame += payload.enumerated().map { $0.element ^ key[$0.offset % 4] }
        } else {
            frame += payload
        }
        return frame
    }
}

/// Builds fuzz cases: mostly almost-valid input, which reaches deeper than noise.
public enum FuzzGenerator {
    /// The case of `index` in a run seeded `seed`.
    public static func makeCase(seed: UInt64, index: Int, streamPath: String, publishToken: String) -> FuzzCase {
        var random = SplitMix64(seed: seed, index: index)
        if random.chance(35) {
            return webSocketCase(&random, streamPath: streamPath)
        }
        return httpCase(&random, streamPath: streamPath, publishToken: publishToken)
    }

    // MARK: HTTP

    /// Half the HTTP cases are well-formed requests (valid framing, known headers, the server's
    /// own paths): they reach the routing, publishing and subscribing behind the parser, which
    /// mangled input mostly does not get past. The other half are mangled.
    static func httpCase(_ random: inout SplitMix64, streamPath: String, publishToken: String) -> FuzzCase {
        let mangle = random.chance(50)
        var bytes: [UInt8] = []
        let requests = random.chance(20) ? random.int(2...4) : 1
        for _ in 0..<requests {
            bytes += request(&random, mangle: mangle, streamPath: streamPath, publishToken: publishToken)
        }
        if mangle, random.chance(15) {
            bytes = Array(bytes.prefix(random.int(0...bytes.count)))
        }
        if mangle, random.chance(3) {
            bytes = random.bytes(random.int(1...300))
        }
        var pieces: [[UInt8]] = []
        if random.chance(20), bytes.count > 1 {
            var rest = bytes[...]
            while !rest.isEmpty {
                let size = random.int(1...max(1, rest.count / 2))
                pieces.append(Array(rest.prefix(size)))
                rest = rest.dropFirst(size)
            }
        } else {
            pieces = [bytes]
        }
        return .http(pieces: pieces, halfClose: random.chance(40))
    }

    /// One request; `mangle` false keeps it well-formed.
    static func request(_ random: inout SplitMix64, mangle: Bool, streamPath: String, publishToken: String) -> [UInt8] {
        let eol: [UInt8] = !mangle || random.chance(90) ? [13, 10] : random.pick([[10], [13], [13, 13, 10], [10, 13]])
        let method: String
        if !mangle {
            method = random.pick(["GET", "GET", "GET", "POST", "POST", "HEAD", "OPTIONS"])
        } else if random.chance(85) {
            method = random.pick(["GET", "GET", "POST", "POST", "HEAD", "OPTIONS", "PUT", "DELETE", "CONNECT", "TRACE", "PATCH", "get", "PRI"])
        } else {
            method = token(&random)
        }
        var head = Array(method.utf8) + [!mangle || random.chance(95) ? 0x20 : random.pick([0x09, 0x00, 0x20, 0x0B])]
        head += mangle ? target(&random, streamPath: streamPath) : wellFormedTarget(&random, streamPath: streamPath)
        let version = !mangle
            ? random.pick([" HTTP/1.1", " HTTP/1.1", " HTTP/1.0"])
            : random.chance(75) ? " HTTP/1.1" : random.pick([" HTTP/1.1", " HTTP/1.0", " HTTP/2.0", " HTTP/1.1x", "", " HTTP/9.9", " http/1.1", "  HTTP/1.1"])
        head += Array(version.utf8)
        head += eol

        var lines: [[UInt8]] = []
        if !mangle || random.chance(90) { lines.append(Array("Host: 127.0.0.1".utf8)) }
        var body: [UInt8] = []
        var bodyFraming: [[UInt8]] = []
        if method == "POST" || random.chance(15) {
            body = Array("f".utf8) + bodyBytes(&random)
            switch mangle ? random.int(0...9) : random.pick([0, 0, 0, 9]) {
            case 0...4: bodyFraming.append(Array("Content-Length: \(body.count)".utf8))
            case 5: bodyFraming.append(Array("Content-Length: \(random.pick(["-1", "abc", "99999999999999999999", " 5", "0x10", "+3", "", "1, 2"]))".utf8))
            case 6:
                bodyFraming.append(Array("Content-Length: \(body.count)".utf8))
                bodyFraming.append(Array("Content-Length: \(body.count + random.int(0...3))".utf8))
            case 7:
                bodyFraming.append(Array("Content-Length: \(body.count)".utf8))
                bodyFraming.append(Array("Transfer-Encoding: chunked".utf8))
                body = chunked(&random, body, mangle: mangle)
            default:
                let coding = mangle ? random.pick(["chunked", "chunked", "chunked", "gzip, chunked", "chunked, identity", "Chunked", "x"]) : "chunked"
                bodyFraming.append(Array("Transfer-Encoding: \(coding)".utf8))
                body = chunked(&random, body, mangle: mangle)
            }
        }
        lines += bodyFraming
        let headerCount = random.int(0...6)
        for _ in 0..<headerCount {
            lines.append(mangle ? header(&random, streamPath: streamPath, publishToken: publishToken) : wellFormedHeader(&random, publishToken: publishToken))
        }
        if mangle, random.chance(5) { lines.append(Array("X-Huge: ".utf8) + [UInt8](repeating: 0x61, count: random.int(1000...90000))) }
        if mangle, random.chance(5) { lines.append(Array("X-Fold: a".utf8) + eol + Array(" b".utf8)) }
        if random.chance(10) { lines.shuffle(using: &random) }
        for line in lines { head += line + eol }
        head += eol
        return head + body
    }

    static func target(_ random: inout SplitMix64, streamPath: String) -> [UInt8] {
        var target = random.pick([
            streamPath, streamPath, streamPath, "/healthz", "/livez", "/metrics", "/", "*", "/nope",
            "http://127.0.0.1\(streamPath)", "\(streamPath)/", "/%2e%2e/", "/%zz", "/%", "\(streamPath)%00", "%2Fevents",
            "/ev%65nts", "//events", "", "/\u{00E9}v", "ws://x/events", "/events#frag",
        ])
        if random.chance(40) {
            let parameters = (0..<random.int(1...4)).map { _ in
                random.pick(["since=\(random.int(-2...99))", "epoch=\(token(&random))", "token=x", "since=", "=", "&", "a=%", "since=18446744073709551616", "epoch"])
            }
            target += "?" + parameters.joined(separator: "&")
        }
        var bytes = Array(target.utf8)
        if random.chance(8) { bytes.insert(random.pick([0x00, 0x7F, 0xFF, 0x20, 0x0D, 0x0A, 0x25, 0x3F]), at: random.int(0...bytes.count)) }
        if random.chance(3) { bytes += [UInt8](repeating: 0x61, count: random.int(1000...20000)) }
        return bytes
    }

    /// A target the server knows, with well-formed query parameters.
    static func wellFormedTarget(_ random: inout SplitMix64, streamPath: String) -> [UInt8] {
        var target = random.pick([streamPath, streamPath, streamPath, streamPath, "/healthz", "/livez", "/metrics", "/", "/nope", "\(streamPath)/"])
        if random.chance(40) {
            let parameters = (0..<random.int(1...2)).map { _ in
                random.pick(["since=\(random.int(0...99))", "epoch=\(random.int(0...9))", "token=x"])
            }
            target += "?" + parameters.joined(separator: "&")
        }
        return Array(target.utf8)
    }

    /// A header that leaves the request well-formed (no framing of its own, no broken values).
    static func wellFormedHeader(_ random: inout SplitMix64, publishToken: String) -> [UInt8] {
        Array(
            random.pick([
                "Connection: close", "Connection: keep-alive", "Accept: */*", "Accept: text/event-stream",
                "Authorization: Bearer \(publishToken)", "Authorization: Bearer \(publishToken)", "Authorization: Bearer wrong",
                "Content-Type: text/plain", "Content-Type: application/octet-stream", "Origin: http://evil.example",
                "Last-Event-ID: 5", "Expect: 100-continue", "Cookie: a=b", "X-Forwarded-For: 1.2.3.4", "User-Agent: fuzz",
            ]).utf8
        )
    }

    static func header(_ random: inout SplitMix64, streamPath: String, publishToken: String) -> [UInt8] {
        let line = random.pick([
            "Connection: close", "Connection: keep-alive", "Connection: Upgrade", "Connection: upgrade, close",
            "Upgrade: websocket", "Upgrade: WebSocket, h2c", "Upgrade: h2c",
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Key: short", "Sec-WebSocket-Key:",
            "Sec-WebSocket-Version: 13", "Sec-WebSocket-Version: 8", "Sec-WebSocket-Version: 13, 8",
            "Sec-WebSocket-Protocol: wsevent.v1", "Sec-WebSocket-Protocol: , ,", "Sec-WebSocket-Extensions: permessage-deflate",
            "Expect: 100-continue", "Expect: 100-Continue", "Expect: teapot",
            "Authorization: Bearer \(publishToken)", "Authorization: Bearer wrong", "Authorization: Basic Og==", "Authorization:",
            "Content-Type: text/plain", "Content-Type: application/octet-stream", "Content-Type: text/plain; charset=latin1",
            "Origin: http://evil.example", "Origin: null", "Last-Event-ID: 5", "Last-Event-ID: x", "Accept: */*", "Accept: text/event-stream",
            "Transfer-Encoding: chunked", "Content-Length: 0", "Content-Length: 3", "Host: other", "Host:",
            "Cookie: a=b", "X-Forwarded-For: 1.2.3.4",
        ])
        var bytes = Array(line.utf8)
        switch random.int(0...39) {
        case 0: bytes.insert(0x00, at: random.int(0...bytes.count))
        case 1: bytes.insert(random.pick([0x0D, 0x0A]), at: random.int(0...bytes.count))
        case 2: bytes += Array("\r\nX-Injected: 1".utf8)
        case 3: bytes = Array(token(&random).utf8) + Array(": ".utf8) + random.bytes(random.int(0...40)).filter { $0 != 10 && $0 != 13 }
        case 4: bytes = Array(line.replacingOccurrences(of: ":", with: " :").utf8)
        case 5: bytes = Array(line.replacingOccurrences(of: ":", with: "").utf8)
        default: break
        }
        return bytes
    }

    static func token(_ random: inout SplitMix64) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-.^_`|~(),/:;<=>?@[]{}\"")
        return String((0..<random.int(0...12)).map { _ in random.pick(alphabet) })
    }

    static func bodyBytes(_ random: inout SplitMix64) -> [UInt8] {
        switch random.int(0...5) {
        case 0: return []
        case 1: return random.bytes(random.int(1...64))
        case 2: return Array(String(repeating: "z", count: random.int(1...4000)).utf8)
        default: return Array("fuzz body \(random.int(0...1_000_000))".utf8)
        }
    }

    /// `body` in chunks; when `mangle`, some of their sizes may be wrong.
    static func chunked(_ random: inout SplitMix64, _ body: [UInt8], mangle: Bool) -> [UInt8] {
        var out: [UInt8] = []
        var rest = body[...]
        while !rest.isEmpty {
            let size = random.int(1...max(1, rest.count))
            let chunk = rest.prefix(size)
            rest = rest.dropFirst(size)
            let sizeText = !mangle || random.chance(85)
                ? String(chunk.count, radix: 16)
                : random.pick(["zz", "-1", "FFFFFFFFFFFFFFFFFF", "", "\(chunk.count + 1)", "0", "1;ext=1", " 1", "0x1"])
            out += Array(sizeText.utf8) + [13, 10] + chunk
            if !mangle || random.chance(95) { out += [13, 10] }
        }
        if !mangle || random.chance(85) { out += Array("0\r\n".utf8) + (random.chance(10) ? Array("Trailer: x\r\n".utf8) : []) + [13, 10] }
        return out
    }

    // MARK: WebSocket

    static func webSocketCase(_ random: inout SplitMix64, streamPath: String) -> FuzzCase {
        let protocols = random.pick([[], ["wsevent.v1"], ["other"], ["wsevent.v1", "other"]])
        let target = random.chance(80) ? streamPath : streamPath + "?since=\(random.int(0...5))"
        var frames: [FuzzFrame] = []
        for _ in 0..<random.int(1...8) {
            frames.append(frame(&random))
        }
        return .webSocket(target: target, protocols: protocols, frames: frames)
    }

    static func frame(_ random: inout SplitMix64) -> FuzzFrame {
        let opcode: UInt8 = random.chance(80)
            ? random.pick([0x0, 0x1, 0x1, 0x2, 0x8, 0x9, 0x9, 0xA])
            : UInt8(random.int(0...15))
        let fin = random.chance(75)
        var first = (fin ? 0x80 : 0) | opcode
        if random.chance(8) { first |= random.pick([0x40, 0x20, 0x10, 0x70]) }
        let masked = random.chance(92)
        var payload: [UInt8]
        switch opcode {
        case 0x8:
            payload = closePayload(&random)
        case 0x9, 0xA:
            payload = random.bytes(random.chance(85) ? random.int(0...125) : random.int(126...300))
        case 0x1 where random.chance(70):
            payload = Array("text \(random.int(0...9999)) \u{00E9}\u{1F600}".utf8)
            if random.chance(30) {
                payload.insert(random.pick([0xC0, 0xFF, 0xED, 0xF4, 0x80, 0xE2]), at: random.int(0...payload.count))
            }
            if random.chance(10) { payload.removeLast() }
        default:
            payload = random.bytes(random.chance(90) ? random.int(0...200) : random.int(126...70000))
        }
        var claimed: UInt64?
        if random.chance(6) {
            claimed = random.pick([
                UInt64(payload.count + random.int(1...50)), UInt64.max, UInt64(Int64.max), 1 << 32, 2_000_000, 0,
            ])
        }
        return FuzzFrame(first: first, masked: masked, payload: payload, claimedLength: claimed, longForm: random.chance(4))
    }

    static func closePayload(_ random: inout SplitMix64) -> [UInt8] {
        switch random.int(0...5) {
        case 0: return []
        case 1: return random.bytes(1)
        case 2:
            let code = random.pick([1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1011, 1015, 1016, 2999, 3000, 4999, 5000, 0, 65535])
            return [UInt8(code >> 8), UInt8(code & 0xFF)]
        case 3: return [0x03, 0xE8] + [0xFF, 0xFE]
        default:
            let code = random.int(0...65535)
            return [UInt8(code >> 8), UInt8(code & 0xFF)] + random.bytes(random.int(0...123))
        }
    }
}
