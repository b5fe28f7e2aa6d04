/// A key file that does not load: the file and one line why.
public struct JWTKeyFileError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var problem: String

    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }

    public var description: String { "'\(file)': \(problem)" }
}
