import NIOHTTP1
import TestSupport
import Testing

import WSEventCore
@testable import WSEventService

/// `POST` with `Expect: 100-continue`, on raw sockets: the client holds the body back until the
/// server says `100 Continue`, or hears the refusal at once.
@Suite struct PublishExpectContinueTests {
    func postHead(contentLength: Int, expect: String? = "100-continue", token: String = "s3cret") -> String {
        var head = "POST /events HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nAuthorization: Bearer \(token)\r\n"
        head += "Content-Length: \(contentLength)\r\n"
        if let expect { head += "Expect: \(expect)\r\n" }
        return head + "\r\n"
    }

    @Test func continueThenTheAnswerAndTheConnectionStaysOpen() async throws {
        try await withEventServer({ $0.publishToken = "s3cret" }) { server in
            let socket = try RawSocket(port: server.port, receiveTimeout: 20)
            for (index, body) in ["hello", "again"].enumerated() {
                try await socket.send(postHead(contentLength: body.utf8.count))
                let (proceed, rest) = try await socket.receiveHTTPHead()
                #expect(proceed == "HTTP/1.1 100 Continue")
                #expect(rest.isEmpty)
                try await socket.send(body)
                let answer = try await HTTPExchange.receive(on: socket)
                #expect(answer.status == 200)
                #expect(answer.body == "{\"id\":\(index + 1),\"epoch\":\"\(server.stream.status.epoch)\"}\n")
            }
            // Keep-alive still works for a request without Expect after them.
            try await socket.send(postHead(contentLength: 4, expect: nil) + "last")
            #expect(try await HTTPExchange.receive(on: socket).status == 200)
            #expect(server.stream.status.lastID == 3)
        }
    }

    @Test func oversizeContentLengthIs413AtOnceWithoutAskingForTheBody() async throws {
        try await withEventServer({
            $0.publishToken = "s3cret"
            $0.maxMessageSize = 16
        }) { server in
            let socket = try RawSocket(port: server.port, receiveTimeout: 20)
            try await socket.send(postHead(contentLength: 1000))
            let answer = try await HTTPExchange.receive(on: socket)
            #expect(answer.status == 413)
            #expect(answer.header("Connection") == "close")
            // The body was never sent, and the server closed the connection: end of stream.
            #expect(try await socket.receive().isEmpty)
            #expect(server.stream.status.lastID == 0)
        }
    }

    @Test func aRefusedPublishGetsItsRefusalInsteadOf100() async throws {
        try await withEventServer({ $0.publishToken = "s3cret" }) { server in
            let socket = try RawSocket(port: server.port, receiveTimeout: 20)
            try await socket.send(postHead(contentLength: 5, token: "wrong"))
            let answer = try await HTTPExchange.receive(on: socket)
            #expect(answer.status == 401)
            #expect(try await socket.receive().isEmpty)
        }
    }

    @Test func anUnknownExpectationIs417() async throws {
        try await withEventServer({ $0.publishToken = "s3cret" }) { server in
            let socket = try RawSocket(port: server.port, receiveTimeout: 20)
            try await socket.send(postHead(contentLength: 5, expect: "fly"))
            let answer = try await HTTPExchange.receive(on: socket)
            #expect(answer.status == 417)
            #expect(answer.body == "Expect: fly cannot be met: only 100-continue is supported\n")
        }
    }

    @Test func http10IgnoresExpect() {
        var configuration = ServiceConfiguration()
        configuration.publishToken = "s3cret"
        let context = ServiceContext(registry: StreamRegistry([WireEventStream(path: "/events")]), configuration: configuration, upstreams: UpstreamLinks())
        /// Whether 100 Continue would be sent, or the refusal's status code.
        func check(_ version: HTTPVersion, _ expect: String) -> String {
            let head = HTTPRequestHead(version: version, method: .POST, uri: "/events", headers: ["Authorization": "Bearer s3cret", "Expect": expect])
            switch PublishAdmission.admit(head, context: context) {
            case .success(let request): return request.expectsContinue ? "continue" : "no continue"
            case .failure(let refusal): return "\(refusal.status.code)"
            }
        }
        #expect(check(.http1_1, "100-Continue") == "continue")
        #expect(check(.http1_1, "fly") == "417")
        #expect(check(.http1_0, "100-continue") == "no continue")
        #expect(check(.http1_0, "fly") == "no continue")
    }
}
