import ArgumentParser
import Testing
import WSEventCLI
import WSEventCore

@Suite struct ServiceFlagsStoreTests {
    func configuration(_ arguments: [String], environment: [String: String] = [:]) throws -> ServiceConfiguration {
        try ServiceFlags.parseGoStyle(arguments).configuration(environment: environment)
    }

    func message(_ arguments: [String]) -> String {
        do {
            _ = try configuration(arguments)
            return "accepted"
        } catch {
            return ServiceFlags.message(for: error)
        }
    }

    @Test func withoutAStoreEverythingStaysInMemory() throws {
        #expect(try configuration([]).store == nil)
    }

    @Test func theStoreComesFromTheFlagOrTheEnvironment() throws {
        let store = try #require(try configuration(["-store", "postgres://u:p@db:5433/app"]).store)
        #expect(store.url == StoreURL(host: "db", port: 5433, user: "u", password: "p", database: "app"))
        #expect(store.retention == .standard)
        #expect(store.consumerTTL == .seconds(7 * 24 * 3600))
        let fromEnv = try configuration([], environment: ["WSEVENT_STORE": "postgres://u@h/d"]).store
        #expect(fromEnv?.url.host == "h")
    }

    @Test func retentionIsACountAnAgeOrBoth() throws {
        let url = ["-store", "postgres://u@h/d"]
        #expect(try configuration(url + ["-retention", "500"]).store?.retention == Retention(count: 500))
        #expect(try configuration(url + ["-retention", "24h"]).store?.retention == Retention(age: .seconds(86400)))
        #expect(try configuration(url + ["-retention", "500,1h"]).store?.retention == Retention(count: 500, age: .seconds(3600)))
        #expect(try configuration(url + ["-consumer-ttl", "90s"]).store?.consumerTTL == .seconds(90))
    }

    @Test func badStoreFlagsAreOneLine() {
        #expect(message(["-store", "mysql://u@h/d"]) == "-store: 'mysql://u@h/d' is not a postgres:// URL (postgres://USER:PASSWORD@HOST:PORT/DB)")
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
}
