import Testing
import WSEventBridges

@Suite struct NATSURLTests {
    @Test func coreSubjectsAndJetStreamStreamsParse() throws {
        let core = try NATSURL(parsing: "nats://127.0.0.1:4223/orders.*")
        #expect(core == NATSURL(host: "127.0.0.1", port: 4223, subject: "orders.*"))
        #expect(!core.isJetStream)
        #expect(core.server == "nats://127.0.0.1:4223")

        let filtered = try NATSURL(parsing: "nats://nats.example.com/orders.eu.>?stream=ORDERS")
        #expect(filtered.port == 4222)
        #expect(filtered.subject == "orders.eu.>")
        #expect(filtered.stream == "ORDERS")

        // The whole stream: no subject, or `>`.
        #expect(try NATSURL(parsing: "nats://h:1/?stream=ORDERS").subject == nil)
        #expect(try NATSURL(parsing: "nats://h:1?stream=ORDERS").subject == nil)
        #expect(try NATSURL(parsing: "nats://h:1/>?stream=ORDERS").subject == nil)
    }

    @Test func credentialsAreDecodedAndNeverShown() throws {
        let url = try NATSURL(parsing: "nats://bob:s%40cret@[::1]:4222/a.b")
        #expect(url.user == "bob")
        #expect(url.password == "s@cret")
        #expect(url.host == "::1")
        #expect(url.server == "nats://bob:s@cret@[::1]:4222")
        #expect(url.description == "nats://bob:***@[::1]:4222/a.b")
    }

    @Test func badURLsAreOneLineWithoutThePassword() {
        func reason(_ text: String) -> String {
            do {
                _ = try NATSURL(parsing: text)
                return "accepted"
            } catch {
                return error.description
            }
        }
        #expect(reason("nats://h:4222") == "'nats://h:4222': no SUBJECT: nats://HOST:PORT/SUBJECT (core NATS) or nats://HOST:PORT/SUBJECT?stream=NAME (JetStream)")
        #expect(reason("nats://u:pw@h:99999/a") == "'nats://u:***@h:99999/a': the port must be 1 to 65535")
        #expect(reason("nats://h/a..b") == "'nats://h/a..b': 'a..b' has an empty token (two dots, or a dot at an end)")
        #expect(reason("nats://h/a.>.b") == "'nats://h/a.>.b': 'a.>.b': '>' stands alone as the last token")
        #expect(reason("nats://h/a?queue=q") == "'nats://h/a?queue=q': 'queue=q' is not a parameter it takes (only stream=NAME)")
        #expect(reason("nats://h/a?stream=OR.DERS") == "'nats://h/a?stream=OR.DERS': a stream name has no spaces, '.', '*', '>', '/' or '\\'")
        #expect(reason("http://h/a").hasSuffix("not a nats:// URL: nats://HOST:PORT/SUBJECT (core NATS) or nats://HOST:PORT/SUBJECT?stream=NAME (JetStream)"))
    }
}

@Suite struct NATSSubjectTests {
    @Test func aFilterCoversWhatItMatchesWhole() {
        #expect(NATSSubject.covers("orders.>", "orders.>"))
        #expect(NATSSubject.covers("orders.>", "orders.eu.*"))
        #expect(NATSSubject.covers(">", "orders.>"))
        #expect(NATSSubject.covers("orders.*", "orders.eu"))
        #expect(NATSSubject.covers("orders.*", "orders.*"))
        #expect(!NATSSubject.covers("orders.eu", "orders.*"))
        #expect(!NATSSubject.covers("orders.*", "orders.>"))
        #expect(!NATSSubject.covers("orders.eu.>", "orders.>"))
        #expect(!NATSSubject.covers("orders.>", "orders"))
        #expect(!NATSSubject.covers("orders", "orders.eu"))
    }

    @Test func aStreamIsCoveredWhenEveryOneOfItsSubjectsIs() {
        #expect(NATSSubject.covers(nil, stream: ["a.>", "b"]))
        #expect(NATSSubject.covers(">", stream: ["a.>", "b"]))
        #expect(!NATSSubject.covers("a.>", stream: ["a.>", "b"]))
    }

    @Test func subjectsAreChecked() {
        #expect(NATSSubject.problem(with: "a.*.c") == nil)
        #expect(NATSSubject.problem(with: "a b") == "a subject has no spaces")
        #expect(NATSSubject.problem(with: "a.b*") == "'a.b*': '*' stands alone as a token")
        #expect(NATSSubject.problem(with: ".a") != nil)
    }
}
