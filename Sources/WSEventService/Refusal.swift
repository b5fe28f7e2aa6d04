import NIOHTTP1

/// A refused request: the status, one line saying why, and any headers the status needs.
struct Refusal: Error {
    var status: HTTPResponseStatus
    var message: String
    var headers: HTTPHeaders = [:]

    static func unauthorized(_ message: String) -> Refusal {
        Refusal(status: .unauthorized, message: message, headers: ["WWW-Authenticate": "Bearer"])
    }

    /// A query that did not decode: refused rather than read as if the parameter were absent.
    static func malformed(_ parameter: MalformedParameter) -> Refusal {
        Refusal(status: .badRequest, message: parameter.description)
    }
}
