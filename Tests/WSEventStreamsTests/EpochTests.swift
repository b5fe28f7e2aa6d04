import Testing

import WSEventCore
@testable import WSEventStreams

@Suite struct EpochTests {
    @Test func randomEpochsAreValidAndDistinct() {
        let a = Epoch.random()
        let b = Epoch.random()
        #expect(a != b)
        #expect(Epoch(a.rawValue) == a)
        #expect(a.rawValue.count == 16)
    }

    @Test func rejectsCharactersThatNeedEscaping() {
        #expect(Epoch("") == nil)
        #expect(Epoch("a b") == nil)
        #expect(Epoch("a.b") == nil)
        #expect(Epoch("a&b") == nil)
        #expect(Epoch(String(repeating: "a", count: 65)) == nil)
        #expect(Epoch("Abc-_9") != nil)
    }
}
