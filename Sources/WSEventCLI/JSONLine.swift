import NIOCore
import WSEventCore

/// The `wsclient --json` output: one object per line.
public enum JSONLine {
    /// `{"id":1,"epoch":"...","kind":"text","payload":"..."}`; binary payloads are base64.
    public static func event(id: UInt64?, epoch: Epoch?, kind: EventKind, payload: ByteBuffer) -> String {
        let payloadText =
            switch kind {
            case .text: quoted(String(buffer: payload))
            case .binary: quoted(Base64.encode(Array(payload.readableBytesView)))
            }
        return "{\"id\":\(id.map(String.init) ?? "null"),\"epoch\":\(epoch.map { quoted($0.rawValue) } ?? "null"),"
            + "\"kind\":\"\(kind.rawValue)\",\"payload\":\(payloadText)}\n"
    }

    /// `{"kind":"gap","first":3,"last":7}`.
    public static func gap(first: UInt64, last: UInt64) -> String {
        "{\"kind\":\"gap\",\"first\":\(first),\"last\":\(last)}\n"
    }

    /// A JSON string literal.
    public static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case let c where c.value < 0x20:
                let hex = String(c.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}

/// Standard base64 (RFC 4648) with padding.
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            let b0 = chunk[chunk.startIndex]
            let b1 = chunk.count > 1 ? chunk[chunk.startIndex + 1] : 0
            let b2 = chunk.count > 2 ? chunk[chunk.startIndex + 2] : 0
            output.append(alphabet[Int(b0 >> 2)])
            output.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            output.append(chunk.count > 1 ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            output.append(chunk.count > 2 ? alphabet[Int(b2 & 0x3F)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }
}
