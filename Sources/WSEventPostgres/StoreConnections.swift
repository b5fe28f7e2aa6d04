import Logging
import NIOCore

/// The instance's three connections to the database, each with its own job so that none
/// waits behind another: `write` commits publishes, `read` fills holes and replays history and
/// keeps consumer positions, `listen` hears of other instances' commits.
struct StoreConnections: Sendable {
    let writer: StoreConnection
    let reader: StoreConnection
    let listener: StoreConnection

    init(url: PostgresURL, eventLoopGroup: any EventLoopGroup, logger: Logger) {
        writer = StoreConnection(role: "write", url: url, eventLoopGroup: eventLoopGroup, logger: logger)
        reader = StoreConnection(role: "read", url: url, eventLoopGroup: eventLoopGroup, logger: logger)
        listener = StoreConnection(role: "listen", url: url, eventLoopGroup: eventLoopGroup, logger: logger)
    }

    var all: [StoreConnection] { [writer, reader, listener] }
}
