import NIOCore
import Testing

import WSEventCore
@testable import WSEventWebSocket

@Suite struct UTF8ValidatorTests {
    /// One input, fed whole: where it must first fail (`nil`: nowhere) and whether it is then
    /// a complete text.
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let bytes: [UInt8]
        let firstInvalid: Int?
        let complete: Bool
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "empty", bytes: [], firstInvalid: nil, complete: true),
        Case(name: "ASCII", bytes: Array("hello, world".utf8), firstInvalid: nil, complete: true),
        Case(name: "U+0080", bytes: [0xC2, 0x80], firstInvalid: nil, complete: true),
        Case(name: "é", bytes: [0xC3, 0xA9], firstInvalid: nil, complete: true),
        Case(name: "U+0800", bytes: [0xE0, 0xA0, 0x80], firstInvalid: nil, complete: true),
        Case(name: "€", bytes: [0xE2, 0x82, 0xAC], firstInvalid: nil, complete: true),
        Case(name: "U+D7FF, below the surrogates", bytes: [0xED, 0x9F, 0xBF], firstInvalid: nil, complete: true),
        Case(name: "U+E000, above the surrogates", bytes: [0xEE, 0x80, 0x80], firstInvalid: nil, complete: true),
        Case(name: "U+FFFF", bytes: [0xEF, 0xBF, 0xBF], firstInvalid: nil, complete: true),
        Case(name: "U+10000", bytes: [0xF0, 0x90, 0x80, 0x80], firstInvalid: nil, complete: true),
        Case(name: "😀", bytes: [0xF0, 0x9F, 0x98, 0x80], firstInvalid: nil, complete: true),
        Case(name: "U+10FFFF", bytes: [0xF4, 0x8F, 0xBF, 0xBF], firstInvalid: nil, complete: true),
        Case(name: "overlong / in two bytes", bytes: [0xC0, 0xAF], firstInvalid: 0, complete: false),
        Case(name: "overlong with C1", bytes: [0xC1, 0xBF], firstInvalid: 0, complete: false),
        Case(name: "overlong / in three bytes", bytes: [0xE0, 0x80, 0xAF], firstInvalid: 1, complete: false),
        Case(name: "overlong U+07FF in three bytes", bytes: [0xE0, 0x9F, 0xBF], firstInvalid: 1, complete: false),
        Case(name: "overlong / in four bytes", bytes: [0xF0, 0x80, 0x80, 0xAF], firstInvalid: 1, complete: false),
        Case(name: "overlong U+FFFF in four bytes", bytes: [0xF0, 0x8F, 0xBF, 0xBF], firstInvalid: 1, complete: false),
        Case(name: "surrogate D800", bytes: [0xED, 0xA0, 0x80], firstInvalid: 1, complete: false),
        Case(name: "surrogate DFFF", bytes: [0xED, 0xBF, 0xBF], firstInvalid: 1, complete: false),
        Case(name: "U+110000", bytes: [0xF4, 0x90, 0x80, 0x80], firstInvalid: 1, complete: false),
        Case(name: "lead byte F5", bytes: [0xF5, 0x80, 0x80, 0x80], firstInvalid: 0, complete: false),
        Case(name: "byte FF", bytes: [0x61, 0xFF], firstInvalid: 1, complete: false),
        Case(name: "lone continuation", bytes: [0x80], firstInvalid: 0, complete: false),
        Case(name: "continuation after ASCII", bytes: [0x61, 0x62, 0xBF], firstInvalid: 2, complete: false),
        Case(name: "continuation after a whole character", bytes: [0xC3, 0xA9, 0xA9], firstInvalid: 2, complete: false),
        Case(name: "truncated € then ASCII", bytes: [0xE2, 0x82, 0x41], firstInvalid: 2, complete: false),
        Case(name: "truncated € then a new €", bytes: [0xE2, 0x82, 0xE2, 0x82, 0xAC], firstInvalid: 2, complete: false),
        Case(name: "truncated é then é", bytes: [0xC3, 0xC3, 0xA9], firstInvalid: 1, complete: false),
        Case(name: "truncated €, at the end", bytes: [0xE2, 0x82], firstInvalid: nil, complete: false),
        Case(name: "truncated 😀, at the end", bytes: [0x61, 0xF0, 0x9F, 0x98], firstInvalid: nil, complete: false),
    ]

    @Test(arguments: cases) func fedWhole(_ testCase: Case) {
        var validator = UTF8Validator()
        #expect(testCase.bytes.withUnsafeBytes { validator.feed($0) } == testCase.firstInvalid)
        #expect(validator.isComplete == testCase.complete)
        #expect(ByteBuffer(bytes: testCase.bytes).isValidUTF8 == (testCase.firstInvalid == nil && testCase.complete))
    }

    /// The same, followed by ASCII: a character with bytes after it is checked as one word
    /// rather than byte by byte, and must fail at the same byte.
    @Test(arguments: cases.filter { $0.firstInvalid != nil || $0.complete })
    func followedByASCII(_ testCase: Case) {
        var validator = UTF8Validator()
        #expect((testCase.bytes + Array("abcdefgh".utf8)).withUnsafeBytes { validator.feed($0) } == testCase.firstInvalid)
    }

    @Test func aBadThirdOrFourthByteWithMoreToFollow() {
        for (bytes, offset): ([UInt8], Int) in [
            ([0xE2, 0x82, 0x41, 0x61, 0x61], 2), ([0xE2, 0x41, 0x82, 0x61], 1), ([0xF0, 0x9F, 0x98, 0x41, 0x61], 3),
            ([0xF0, 0x9F, 0xC3, 0x80, 0x61], 2), ([0x61, 0xF4, 0x8F, 0xBF, 0xF4, 0x8F, 0xBF, 0xBF], 4),
        ] {
            var validator = UTF8Validator()
            #expect(bytes.withUnsafeBytes { validator.feed($0) } == offset, "\(bytes)")
        }
    }

    @Test func everySplitPointOfAValidText() {
        let bytes = Array("aé€😀z€é".utf8)
        for split in 0...bytes.count {
            var validator = UTF8Validator()
            #expect(bytes[..<split].withUnsafeBytes { validator.feed($0) } == nil, "split at \(split)")
            #expect(bytes[split...].withUnsafeBytes { validator.feed($0) } == nil, "split at \(split)")
            #expect(validator.isComplete, "split at \(split)")
        }
    }

    @Test func oneByteAtATime() {
        var validator = UTF8Validator()
        for byte in Array("€😀é".utf8) {
            #expect([byte].withUnsafeBytes { validator.feed($0) } == nil)
        }
        #expect(validator.isComplete)
    }

    @Test func anInvalidByteInTheSecondChunkIsReportedAtItsOffsetThere() {
        var validator = UTF8Validator()
        #expect([UInt8]([0x61, 0xE2, 0x82]).withUnsafeBytes { validator.feed($0) } == nil)
        #expect(validator.isComplete == false)
        #expect([UInt8]([0xAC, 0x62, 0x80]).withUnsafeBytes { validator.feed($0) } == 2)
    }

    @Test func aFailureSticks() {
        var validator = UTF8Validator()
        #expect([UInt8]([0x80]).withUnsafeBytes { validator.feed($0) } == 0)
        #expect(Array("fine".utf8).withUnsafeBytes { validator.feed($0) } == 0)
        #expect(validator.isComplete == false)
    }

    /// The ASCII fast path reads eight bytes at a time: a bad byte must be found at every
    /// position within and across those words.
    @Test(arguments: [UInt8(0x80), 0xBF, 0xC0, 0xFF])
    func aBadByteInALongASCIIRunAtEachOffset(bad: UInt8) {
        for offset in 0..<40 {
            var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: 40)
            bytes[offset] = bad
            var validator = UTF8Validator()
            #expect(bytes.withUnsafeBytes { validator.feed($0) } == offset, "offset \(offset)")
        }
    }

    @Test func aCharacterAtEachOffsetOfALongASCIIRun() {
        for offset in 0..<40 {
            let bytes = Array((String(repeating: "a", count: offset) + "😀" + String(repeating: "b", count: 37)).utf8)
            #expect(bytes.withUnsafeBytes { UTF8Validator.isValid($0) }, "offset \(offset)")
        }
    }

    @Test func offsetsCountFromTheReaderIndex() {
        var buffer = ByteBuffer(bytes: [0x80, 0x61, 0x62, 0xFF])
        buffer.moveReaderIndex(forwardBy: 1)
        var validator = UTF8Validator()
        #expect(validator.feed(buffer) == 2)
    }

    /// Differential check against the standard library on many pseudo-random inputs built
    /// from pieces of valid and invalid UTF-8, so the edges meet in many combinations.
    @Test func agreesWithTheStandardLibrary() {
        let pieces: [[UInt8]] = [
            [0x61], [0x7F], [0xC3, 0xA9], [0xE2, 0x82, 0xAC], [0xF0, 0x9F, 0x98, 0x80], [0xED, 0x9F, 0xBF],
            [0xF4, 0x8F, 0xBF, 0xBF], [0x80], [0xBF], [0xC0], [0xC1], [0xC2], [0xE0], [0xE0, 0x80], [0xE0, 0xA0],
            [0xED], [0xED, 0xA0], [0xF0], [0xF0, 0x8F], [0xF0, 0x90], [0xF4], [0xF4, 0x90], [0xF5], [0xFF],
        ]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            // xorshift64: deterministic, so a failure reproduces.
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return Int(state % UInt64(bound))
        }
        for _ in 0..<5_000 {
            var bytes: [UInt8] = []
            for _ in 0..<(1 + next(12)) {
                // Mostly valid pieces, so some inputs stay valid to the end.
                bytes += next(4) == 0 ? pieces[next(pieces.count)] : pieces[next(7)]
            }
            let expected = bytes.withUnsafeBytes { String(validating: $0, as: UTF8.self) != nil }
            #expect(bytes.withUnsafeBytes { UTF8Validator.isValid($0) } == expected, "\(bytes)")
        }
    }
}
