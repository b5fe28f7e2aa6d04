extension UInt64 {
    /// An event id (or any count) as the wire contract writes it: one or more ASCII digits
    /// `0`-`9`, nothing else, at most `UInt64.max`.
    ///
    /// `UInt64("+1")` is 1 and `UInt64("-0")` is 0, so `since=%2B1` would resume where
    /// `since=+1` (a query's `+` is a space) is refused: every id read from a request, a header
    /// or an upstream goes through this instead, so they all take the same digits.
    package init?(decimalDigits text: some StringProtocol) {
        guard !text.utf8.isEmpty, text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            let value = UInt64(text)
        else { return nil }
        self = value
    }
}
