import Testing
import WSEventPostgres

@Suite struct StoreURLTests {
    @Test func parsesEveryPart() throws {
        let url = try PostgresURL(parsing: "postgres://wsevent:s%40cret@db.example:6432/streams")
        #expect(url.user == "wsevent")
        #expect(url.password == "s@cret")
        #expect(url.host == "db.example")
        #expect(url.port == 6432)
        #expect(url.database == "streams")
    }

    @Test func defaultsThePortAndTheDatabase() throws {
        let url = try PostgresURL(parsing: "postgresql://app@127.0.0.1")
        #expect(url.port == 5432)
        #expect(url.database == "app")
        #expect(url.password == nil)
    }

    @Test func neverPrintsThePassword() throws {
        let url = try PostgresURL(parsing: "postgres://u:hunter2@h:1/d?sslmode=disable")
        #expect(url.description == "postgres://u:***@h:1/d")
    }

    @Test func badURLsSayWhatIsWrongInOneLine() {
        #expect(throws: PostgresURLError.self) { try PostgresURL(parsing: "mysql://u@h/d") }
        #expect(throws: PostgresURLError.self) { try PostgresURL(parsing: "postgres://h:5432/d") }
        #expect(throws: PostgresURLError.self) { try PostgresURL(parsing: "postgres://u@h:99999/d") }
        // A port is decimal digits, as ids are: no sign, however Int() reads it.
        #expect(throws: PostgresURLError.self) { try PostgresURL(parsing: "postgres://u@h:+5432/d") }
        #expect(throws: PostgresURLError.self) { try PostgresURL(parsing: "postgres://u@h:99999999999999999999999/d") }
        #expect(throws: PostgresURLError.self) { try PostgresURL(parsing: "postgres://u@h/d?sslmode=require") }
        do {
            _ = try PostgresURL(parsing: "http://u:secret@h/d")
        } catch {
            #expect(error.description == "'http://u:***@h/d' is not a postgres:// URL (postgres://USER:PASSWORD@HOST:PORT/DB)")
        }
    }
}
