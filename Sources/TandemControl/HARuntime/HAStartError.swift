/// Why the HA part of the daemon could not start: a sentence naming the file, socket or address at fault.
public struct HAStartError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
