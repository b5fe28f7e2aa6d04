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
            if needed > 0 {
                // Finishing a character begun in an earlier chunk, a byte at a time. A new
                // lead byte or ASCII here means the character was cut short.
                let byte = base.load(fromByteOffset: index, as: UInt8.self)
                guard low <= byte, byte <= high else { return fail(at: index) }
                (needed, low, high) = (needed - 1, 0x80, 0xBF)
                index += 1
                continue
            }
            let lead = base.load(fromByteOffset: index, as: UInt8.self)
            if lead < 0x80 {
                // Most text is mostly ASCII: skip it eight bytes at a time while no byte of
                // the word has its top bit set.
                index += 1
                while index + 8 <= count,
                    base.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0
                {
                    index += 8
                }
                continue
            }
            // 80...BF continue nothing; C0, C1 only start overlongs; F5...FF are unused.
            guard 0xC2 <= lead, lead <= 0xF4 else { return fail(at: index) }
            // The lead's high one bits count the bytes of the character: 2, 3 or 4.
            let length = (~lead).leadingZeroBitCount
            // Only the second byte can have a range narrower than 80...BF: that is what rules
            // out overlongs (E0 80...9F, F0 80...8F), surrogates (ED A0...BF) and code points
            // above U+10FFFF (F4 90...BF). Selects rather than a switch, so no jump per byte.
            low = lead == 0xE0 ? 0xA0 : lead == 0xF0 ? 0x90 : 0x80
            high = lead == 0xED ? 0x9F : lead == 0xF4 ? 0x8F : 0xBF
            guard index + 4 <= count else {
                // Near the chunk's end, or the character runs past it: byte by byte above.
                needed = UInt8(length - 1)
                index += 1
                continue
            }
            // The whole character is at hand: check it as one little-endian word, lead byte
            // lowest, which is most of the speed on non-ASCII text.
            let word = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: index, as: UInt32.self))
            let second = UInt8(truncatingIfNeeded: word >> 8)
            guard low <= second, second <= high else { return fail(at: index + 1) }
            // Bytes three and four, as far as the character goes, must be 10xxxxxx. (A shift
            // by 32 gives 0 in Swift, so a 4-byte character keeps both.)
            let tail = 0xC0C0_0000 & ~(UInt32.max << (8 * length))
            guard word & tail == tail & 0x8080_8080 else {
                let third = UInt8(truncatingIfNeeded: word >> 16)
                return fail(at: third & 0xC0 != 0x80 ? index + 2 : index + 3)
            }
            (low, high) = (0x80, 0xBF)
            index += length
        }
        (self.needed, self.low, self.high) = (needed, low, high)
        return nil
    }

    private mutating func fail(at index: Int) -> Int {
        failed = true
        return index
    }

    /// Whether `bytes` on their own are a complete, valid UTF-8 text.
    public static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var validator = UTF8Validator()
        return validator.feed(bytes) == nil && validator.isComplete
    }
}
