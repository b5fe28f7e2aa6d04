import Testing

import WSEventCore
@testable import WSEventRoles

@Suite struct ProducerTests {
    @Test func messageHasTheSeedsFormat() {
        var generator = SystemRandomNumberGenerator()
        let message = Producer.message(id: 42, serveAddress: "localhost:8080", using: &generator)
        let parts = message.split(separator: ":", omittingEmptySubsequences: false)
        #expect(message.hasPrefix("42: localhost:8080: "))
        #expect(message.hasSuffix("\n"))
        let letters = parts.last!.dropFirst().dropLast()
        #expect(letters.count == 10)
        #expect(letters.allSatisfy { $0.isASCII && $0.isLetter })
    }
}
