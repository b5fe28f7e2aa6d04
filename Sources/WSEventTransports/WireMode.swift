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
            .map { String($0.filter { $0 != " " && $0 != "\t" }) }
        self = offered.contains(WireMode.v1Subprotocol) ? .v1 : .plain
    }
}
