/// Where the store stands, for `/healthz`.
public struct StoreStatus: Sendable, Equatable {
    /// `connected` when every connection is up; `connecting` before the first time;
    /// `reconnecting` while any is lost (publishes get 503 then, subscribers keep what was
    /// committed).
    public var state: String
    /// The URL without its password.
    public var url: String
    /// The schema version the database is at (0 before the first connection).
    public var schemaVersion: Int
    /// Why the store is not connected, while it is not.
    public var lastError: String?
    /// Connections lost and made again since start.
    public var reconnects: Int

    /// Whether publishes can be committed now.
    public var isConnected: Bool { state == "connected" }
}
