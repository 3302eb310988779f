/// The daemon's answer to one ``AdminRequest``: a JSON object on one line.
///
/// `ok` is always present; a failure carries `error` (a sentence for people); a `status` request carries
/// `status`.
public struct AdminResponse: Codable, Sendable, Equatable {
    /// Whether the command succeeded.
    public var ok: Bool
    /// Why it failed, when `ok` is false.
    public var error: String?
    /// The node's status, for `status`.
    public var status: NodeStatusReport?

    /// Creates a response.
    public init(ok: Bool, error: String? = nil, status: NodeStatusReport? = nil) {
        self.ok = ok
        self.error = error
        self.status = status
    }

    /// A failed response with its reason.
    public static func failure(_ message: String) -> AdminResponse {
        AdminResponse(ok: false, error: message)
    }
}
