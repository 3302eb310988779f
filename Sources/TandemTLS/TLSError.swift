/// A TLS configuration problem: a certificate, key or ticket-key file that cannot be used.
public struct TLSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file the problem is in.
    public var path: String
    /// What is wrong, including OpenSSL's own reason where it gave one.
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}
