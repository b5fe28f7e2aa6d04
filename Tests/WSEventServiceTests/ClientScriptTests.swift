import Foundation
import TestSupport
import Testing

import WSEventCore
@testable import WSEventService

/// wsevent.js and its types, served by every server from the bytes compiled in.
@Suite struct ClientScriptTests {
    /// The files in the repository, which the build embeds.
    func repositoryFile(_ name: String) throws -> String {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Sources/WSEventService/Client")
        return try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
    }

    @Test func theModuleAndItsTypesAreServedAsTheyAreInTheRepository() async throws {
        try await withEventServer { server in
            let script = try await HTTPExchange.send(port: server.port, "GET", "/wsevent.js")
            #expect(script.status == 200)
            #expect(script.header("Content-Type") == "text/javascript; charset=utf-8")
            // A page of any origin may import it: module scripts are fetched with CORS.
            #expect(script.header("Access-Control-Allow-Origin") == "*")
            #expect(script.header("Cache-Control") == "public, max-age=300")
            #expect(script.body == (try repositoryFile("wsevent.js")))
            let types = try await HTTPExchange.send(port: server.port, "GET", "/wsevent.d.ts")
            #expect(types.status == 200)
            #expect(types.header("Content-Type") == "application/typescript; charset=utf-8")
            #expect(types.body == (try repositoryFile("wsevent.d.ts")))

            let head = try await HTTPExchange.send(port: server.port, "HEAD", "/wsevent.js")
            #expect(head.status == 200)
            #expect(head.body.isEmpty)
            #expect(try await HTTPExchange.send(port: server.port, "POST", "/wsevent.js").status == 405)
        }
    }

    /// Without the demo page too, and never a topic.
    @Test func servedWithoutTheDemoPageAndNeverATopic() async throws {
        try await withEventServer({
            $0.demoPage = false
            $0.createStreams = true
        }) { server in
            let page = try await HTTPExchange.send(port: server.port, "GET", "/")
            let script = try await HTTPExchange.send(port: server.port, "GET", "/wsevent.js")
            #expect(page.status != 200)
            #expect(script.status == 200)
            #expect(!ServiceContext.isTopicPath("/wsevent.js"))
            #expect(!ServiceContext.isTopicPath("/wsevent.d.ts"))
        }
    }

    @Test func theDemoPageSubscribesWithIt() {
        let page = DemoPage.html(streams: ["/events"])
        #expect(page.contains(#"<script type="module">"#))
        #expect(page.contains(#"import { subscribe as follow } from "/wsevent.js";"#))
    }
}
