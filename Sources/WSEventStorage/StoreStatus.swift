/// Where a store stands, for `/healthz`.
public struct StoreStatus: Sendable, Equatable {
    /// `connecting` (never reached yet: durable streams refuse subscribers and publishes),
    /// `connected` (every connection up), `reconnecting` (lost: publishes get 503).
    public typealias State = LinkState

    public var state: State
    /// The store's URL, without its password.
    public var url: String
    /// The version of the store's schema, for a store that has one (0 before it is reached).
    public var schemaVersion: Int?
    /// Why the store is not connected, while it is not.
    public var lastError: String?
    /// Connections lost and made again since start.
    public var reconnects: Int
    /// How the stream's ids relate to the store's log, for a store that says: a broker's log
    /// gives them (`stream sequence`), or the instance does and why (a JetStream filter
    /// narrower than its stream).
    public var ids: String?

    public init(state: State, url: String, schemaVersion: Int? = nil, lastError: String? = nil, reconnects: Int = 0, ids: String? = nil) {
        self.state = state
        self.url = url
        self.schemaVersion = schemaVersion
        self.lastError = lastError
        self.reconnects = reconnects
        self.ids = ids
    }

    /// Whether publishes can be committed now.
    public var isConnected: Bool { state == .connected }
}
