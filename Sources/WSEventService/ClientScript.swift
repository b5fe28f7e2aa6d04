import NIOHTTP1

/// wsevent.js, the browser client, and its TypeScript types: the files in `Client/` beside this
/// one, compiled into the binary (Package.swift's `.embedInCode`) and served at ``path`` and
/// ``typesPath`` by every server, demo page or not.
enum ClientScript {
    static let path = "/wsevent.js"
    static let typesPath = "/wsevent.d.ts"

    /// The file served at `path`, with its content type; `nil` for any other path.
    static func file(at path: String) -> (body: String, contentType: String)? {
        switch path {
        case Self.path: (source, "text/javascript; charset=utf-8")
        case typesPath: (types, "application/typescript; charset=utf-8")
        default: nil
        }
    }

    /// A page of any origin may import the module (a module script is fetched with CORS), and a
    /// cache may keep it a while: it changes only with the server.
    static let headers: HTTPHeaders = ["Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=300"]

    static let source = String(decoding: PackageResources.wsevent_js, as: UTF8.self)
    static let types = String(decoding: PackageResources.wsevent_d_ts, as: UTF8.self)
}
