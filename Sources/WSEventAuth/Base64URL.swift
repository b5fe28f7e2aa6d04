/// Decodes base64url (RFC 4648 §5) without padding, as JWTs carry their parts. Pure; at most
/// `maxBytes` of output, so a token's part can never make a large allocation.
enum Base64URL {
    static func decode(_ text: some Collection<UInt8>, maxBytes: Int = 1 << 16) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(min(text.count * 3 / 4 + 3, maxBytes))
        var accumulator: UInt32 = 0
        var bits = 0
        var count = 0
        for byte in text {
            guard let value = sextet(byte) else { return nil }
            count += 1
            accumulator = (accumulator << 6) | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                guard output.count < maxBytes else { return nil }
                output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        // A lone character (6 bits) encodes no byte: not base64url. Leftover bits must be zero.
        guard count % 4 != 1, accumulator & ((1 << UInt32(bits)) - 1) == 0 else { return nil }
        return output
    }

    private static func sextet(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "-"): 62
        case UInt8(ascii: "_"): 63
        default: nil
        }
    }
}
