import ArgumentParser
import Testing
import WSEventCLI
import WSEventCore
import WSEventPostgres

@Suite struct ServiceFlagsStoreTests {
    /// The configuration of a command built with `stores` (wsevent-service links `.postgres`).
    func configuration(_ arguments: [String], environment: [String: String] = [:], stores: [StoreKind] = [.postgres]) throws -> ServiceConfiguration {
        try FlagRun.configuration(arguments, env: environment, stores: stores)
    }

    /// The PostgreSQL settings `-store` gave.
    func postgres(_ arguments: [String], environment: [String: String] = [:]) throws -> PostgresStoreConfiguration? {
        guard let store = try configuration(arguments, environment: environment).store else { return nil }
        return try #require(store as? PostgresStoreConfiguration)
    }

    func message(_ arguments: [String], stores: [StoreKind] = [.postgres]) -> String {
        FlagRun.refusal(arguments, stores: stores)
    }

    @Test func withoutAStoreEverythingStaysInMemory() throws {
        #expect(try configuration([]).store == nil)
    }

    @Test func theStoreComesFromTheFlagOrTheEnvironment() throws {
        let store = try #require(try postgres(["-store", "postgres://u:p@db:5433/app"]))
        #expect(store.url == PostgresURL(host: "db", port: 5433, user: "u", password: "p", database: "app"))
        #expect(store.retention == .standard)
        #expect(store.consumerTTL == .seconds(7 * 24 * 3600))
        let fromEnv = try postgres([], environment: ["WSEVENT_STORE": "postgresql://u@h/d"])
        #expect(fromEnv?.url.host == "h")
    }

    @Test func retentionIsACountAnAgeOrBoth() throws {
        let url = ["-store", "postgres://u@h/d"]
        #expect(try postgres(url + ["-retention", "500"])?.retention == Retention(count: 500))
        #expect(try postgres(url + ["-retention", "24h"])?.retention == Retention(age: .seconds(86400)))
        #expect(try postgres(url + ["-retention", "500,1h"])?.retention == Retention(count: 500, age: .seconds(3600)))
        #expect(try postgres(url + ["-consumer-ttl", "90s"])?.consumerTTL == .seconds(90))
    }

    @Test func badStoreFlagsAreOneLine() {
        #expect(message(["-store", "mysql://u:pw@h/d"]) == "-store: 'mysql://u:***@h/d' is not a store URL this build knows: postgres://USER:PASSWORD@HOST:PORT/DB")
        #expect(message(["-store", "postgres://u@h:port/d"]).hasPrefix("-store: "))
        #expect(message(["-retention", "5"]) == "-retention needs -store: only a store keeps events past memory")
        #expect(
            message(["-store", "postgres://u@h/d", "-retention", "lots"])
                == "-retention: 'lots' is not a count of events (1 or more), an age (1s or more), or COUNT,AGE like 1000000,168h"
        )
        #expect(
            message(["-store", "postgres://u@h/d", "-no-produce", "-consume", "127.0.0.1:1/e"])
                == "-store keeps an origin's stream; a relay mirrors its upstream's: drop -store, or the upstream"
        )
    }

    /// A library user's command links no store: `-store` says so instead of failing later.
    @Test func aBuildWithoutStoresRefusesStoreURLs() {
        #expect(message(["-store", "postgres://u:pw@h/d"], stores: []) == "-store: 'postgres://u:***@h/d': this build has no store")
    }
}
