/// Decodes the `%XX` escapes of one part of a request target, and in a query `+` as a space.
enum PercentDecoding {
    /// Which part of the target: `+` means a space only in a query (HTML form encoding); in a
    /// path it is a `+` (RFC 3986), so `/c++` names the stream `/c++`.
    enum Part: Sendable {
        case path
        case query
    }

    /// Why a part could not be decoded.
    enum Flaw: Error, Sendable, Hashable {
        /// A `%` not followed by two hex digits.
        case malformedEscape
        /// The escapes decode to bytes that are not UTF-8.
        case notUTF8
    }

    static func decode(_ text: Substring, as part: Part) -> Result<String, Flaw> {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    return .failure(.malformedEscape)
                }
                bytes.append(high << 4 | low)
            case UInt8(ascii: "+") where part == .query:
                bytes.append(UInt8(ascii: " "))
            default:
                bytes.append(byte)
            }
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else { return .failure(.notUTF8) }
        return .success(decoded)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
