import Foundation

/// The JSON bodies the server answers with, each one line: `/healthz`, `?presence`, the presence
/// stream's events.
enum JSONBody {
    /// `value` as one line of JSON with sorted keys (the same state always gives the same bytes)
    /// and a newline; `fallback` if it cannot be encoded (a value of strings, numbers, arrays
    /// and objects always can).
    static func line(_ value: some Encodable, fallback: String = "{}") -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data(fallback.utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
