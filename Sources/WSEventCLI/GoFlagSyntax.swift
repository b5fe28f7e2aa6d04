/// Rewrites Go-style flags into the one form swift-argument-parser is given.
///
/// Go's flag package accepts `-flag value`, `-flag=value`, `--flag` and `--flag=value`, and a
/// boolean flag alone (`-no-produce`) or with a value (`-no-produce=false`). The parser is
/// handed `-flag value` for all of them; booleans always get an explicit value.
public struct GoFlagSyntax: Sendable {
    /// Flag names without dashes.
    public let valueFlags: Set<String>
    public let boolFlags: Set<String>

    public init(valueFlags: Set<String>, boolFlags: Set<String>) {
        self.valueFlags = valueFlags
        self.boolFlags = boolFlags
    }

    public func normalize(_ arguments: [String]) -> [String] {
        var result: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--" {
                result.append(contentsOf: arguments[(index - 1)...])
                break
            }
            guard argument.hasPrefix("-"), argument.count > 1 else {
                result.append(argument)
                continue
            }
            let body = argument.drop { $0 == "-" }
            let (name, value) = Self.split(body)
            if name == "help" || name == "h" {
                result.append("--help")
            } else if boolFlags.contains(name) {
                result.append("-\(name)")
                result.append(value ?? "true")
            } else if valueFlags.contains(name) {
                result.append("-\(name)")
                if let value {
                    result.append(value)
                } else if index < arguments.count {
                    result.append(arguments[index])
                    index += 1
                }
            } else {
                result.append(argument)
            }
        }
        return result
    }

    private static func split(_ body: Substring) -> (String, String?) {
        guard let equals = body.firstIndex(of: "=") else { return (String(body), nil) }
        return (String(body[..<equals]), String(body[body.index(after: equals)...]))
    }

    /// Go's `strconv.ParseBool`.
    public static func parseBool(_ text: String) -> Bool? {
        switch text {
        case "1", "t", "T", "true", "TRUE", "True": true
        case "0", "f", "F", "false", "FALSE", "False": false
        default: nil
        }
    }
}
