/// The token that names one life of an origin stream. Ids are only comparable within one epoch:
/// a restarted origin picks a new epoch, so a resuming client can tell its ids no longer apply.
public struct Epoch: Sendable, Hashable, CustomStringConvertible {
    public let rawValue: String

    /// Accepts 1 to 64 characters of `[A-Za-z0-9_-]`, so an epoch fits in a header line,
    /// a query parameter and an SSE id without escaping.
    public init?(_ rawValue: String) {
        guard (1...64).contains(rawValue.utf8.count),
            rawValue.utf8.allSatisfy({ Epoch.allowed.contains($0) })
        else { return nil }
        self.rawValue = rawValue
    }

    /// A new random epoch of 16 lowercase letters and digits.
    public static func random() -> Epoch {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789".utf8)
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<16).map { _ in alphabet[Int(generator.next(upperBound: UInt(alphabet.count)))] }
        return Epoch(String(decoding: bytes, as: UTF8.self))!
    }

    public var description: String { rawValue }

    private static let allowed: Set<UInt8> = Set(
        Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-".utf8)
    )
}
