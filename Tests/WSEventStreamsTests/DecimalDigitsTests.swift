import Testing

@testable import WSEventStreams

@Suite struct DecimalDigitsTests {
    @Test func takesDecimalDigitsUpToTheLargestID() {
        #expect(UInt64(decimalDigits: "0") == 0)
        #expect(UInt64(decimalDigits: "42") == 42)
        #expect(UInt64(decimalDigits: "007") == 7)
        #expect(UInt64(decimalDigits: "18446744073709551615") == .max)
        #expect(UInt64(decimalDigits: "4242"[...]) == 4242)
    }

    /// What Swift's own `UInt64(_:)` takes (a sign) or what other parsers might (spaces,
    /// separators, other scripts' digits) is not an id.
    @Test func refusesAnythingElse() {
        for text in ["", "+1", "-0", "-1", " 1", "1 ", "1_000", "1,000", "0x10", "1e3", "١", "18446744073709551616"] {
            #expect(UInt64(decimalDigits: text) == nil, "\(text.debugDescription)")
        }
    }
}
