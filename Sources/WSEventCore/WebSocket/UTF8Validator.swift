/// Checks that bytes are well-formed UTF-8 (RFC 3629) as they arrive, a chunk at a time, so a
/// text message can be refused at the fragment that breaks it rather than once it is whole.
///
/// A character may be split across chunks: the validator remembers how far into one it is.
/// It allocates nothing and never builds a `String`.
public struct UTF8Validator: Sendable, Hashable {
    /// Continuation bytes the current character still needs; 0 between characters.
    private var needed: UInt8 = 0
    /// The range the next continuation byte must fall in: 80...BF, except right after the
    /// lead bytes E0, ED, F0 and F4, where a narrower second byte is what rules out overlong
    /// forms, the surrogates D800–DFFF and code points above U+10FFFF.
    private var low: UInt8 = 0x80
    private var high: UInt8 = 0xBF
    /// Set by the first invalid byte; from then on every chunk is refused.
    private var failed = false

    /// A validator at the start of a text, between characters.
    public init() {}

    /// Whether everything fed so far is valid and ends on a character boundary: what a
    /// complete text must satisfy. False while a multi-byte character is still open.
    public var isComplete: Bool { !failed && needed == 0 }

    /// Feeds the next chunk of the text.
    ///
    /// - Returns: `nil` if every byte so far can still be part of valid UTF-8; otherwise the
    ///   offset in `bytes` of the first byte that cannot (0 for any chunk after a failure).
    ///   A character left open at the end of the chunk is not an error here: see
    ///   ``isComplete``.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard !failed else { return 0 }
        guard let base = bytes.baseAddress else { return nil }
        let count = bytes.count
        // Work on locals: the loop then keeps its state in registers.
        var needed = self.needed
        var low = self.low
        var high = self.high
        var index = 0
        while index < count {
            if needed == 0 {
                // Between characters most text is ASCII: skip it eight bytes at a time while
                // no byte of the word has its top bit set.
                while index + 8 <= count,
                    base.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0
                {
                    index += 8
                }
                guard index < count else { break }
                let byte = base.load(fromByteOffset: index, as: UInt8.self)
                switch byte {
                case 0x00...0x7F: break
                case 0xC2...0xDF: needed = 1
                case 0xE0: (needed, low) = (2, 0xA0)  // E0 80...9F would be overlong
                case 0xE1...0xEC, 0xEE...0xEF: needed = 2
                case 0xED: (needed, high) = (2, 0x9F)  // ED A0...BF would be a surrogate
                case 0xF0: (needed, low) = (3, 0x90)  // F0 80...8F would be overlong
                case 0xF1...0xF3: needed = 3
                case 0xF4: (needed, high) = (3, 0x8F)  // F4 90 and up is above U+10FFFF
                default:
                    // 80...BF continue nothing; C0, C1 only start overlongs; F5...FF are
                    // never used.
                    failed = true
                    return index
                }
            } else {
                // Also catches a character cut short by a new lead byte or by ASCII.
                let byte = base.load(fromByteOffset: index, as: UInt8.self)
                guard low <= byte, byte <= high else {
                    failed = true
                    return index
                }
                (needed, low, high) = (needed - 1, 0x80, 0xBF)
            }
            index += 1
        }
        (self.needed, self.low, self.high) = (needed, low, high)
        return nil
    }

    /// Whether `bytes` on their own are a complete, valid UTF-8 text.
    public static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var validator = UTF8Validator()
        return validator.feed(bytes) == nil && validator.isComplete
    }
}
