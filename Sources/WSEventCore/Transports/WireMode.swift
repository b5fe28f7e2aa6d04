/// How a WebSocket subscriber receives events; chosen by the subprotocol it offers.
public enum WireMode: Sendable, Hashable {
    /// Each event is one message with its payload unchanged (no subprotocol).
    case plain
    /// Each message starts with a header line: `hello`, an event id, or `gap`.
    case v1

    /// The `Sec-WebSocket-Protocol` value that selects ``v1``.
    public static let v1Subprotocol = "wsevent.v1"

    /// `v1` when the client offered `wsevent.v1` among its subprotocols.
    public init(offeredSubprotocols: [String]) {
        let offered = offeredSubprotocols.flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: " \t") }
        self = offered.contains(WireMode.v1Subprotocol) ? .v1 : .plain
    }
}

extension StringProtocol {
    func trimmingCharacters(in characters: String) -> String {
        let set = Set(characters)
        guard let first = firstIndex(where: { !set.contains($0) }) else { return "" }
        let last = lastIndex(where: { !set.contains($0) })!
        return String(self[first...last])
    }
}
