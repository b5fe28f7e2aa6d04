/// Decodes the `%XX` escapes of one component of a URL: a store's or broker's (a user, a
/// password, a database, a vhost, a queue name), a request's path. A `+` stays a `+`: these are
/// not form-encoded (the service's request queries turn it into a space first).
public enum URLPercentDecoding {
    /// Why a component could not be decoded.
    public enum Flaw: Error, Sendable, Hashable {
        /// A `%` not followed by two hex digits.
        case malformedEscape
        /// The escapes decode to bytes that are not UTF-8.
        case notUTF8
    }

    public static func decode(_ text: Substring) -> Result<String, Flaw> {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                return .failure(.malformedEscape)
            }
            bytes.append(high << 4 | low)
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
