import NIOCore
import WSEventCore

/// The `wsclient --json` output: one object per line.
public enum JSONLine {
    /// `{"id":1,"epoch":"...","kind":"text","payload":"..."}`; binary payloads are base64.
    public static func event(id: UInt64?, epoch: Epoch?, kind: EventKind, payload: ByteBuffer) -> String {
        let payloadText =
            switch kind {
            case .text: quoted(String(buffer: payload))
            case .binary: quoted(Base64.encode(payload.readableBytesView))
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
