/// The daemon's answer to one ``AdminRequest``: a JSON object on one line.
///
/// `ok` is always present; a failure carries `error` (a sentence for people); a `status` request carries
/// `status`, `backends` and `server` carry `backends`; other commands may say what they did in `message`.
public struct AdminResponse: Codable, Sendable, Equatable {
    /// Whether the command succeeded.
    public var ok: Bool
    /// Why it failed, when `ok` is false.
    public var error: String?
    /// The node's status, for `status`.
    public var status: NodeStatusReport?
    /// What a command did, for people (e.g. `reload`, `step-down`).
    public var message: String?
    /// The measured handover, for `handover`.
    public var handover: HandoverReport?
    /// Every server for `backends`; the changed server for `server`.
    public var backends: BackendsReport?

    /// Creates a response.
    public init(
        ok: Bool,
        error: String? = nil,
        status: NodeStatusReport? = nil,
        message: String? = nil,
        handover: HandoverReport? = nil,
        backends: BackendsReport? = nil
    ) {
        self.ok = ok
        self.error = error
        self.status = status
        self.message = message
        self.handover = handover
        self.backends = backends
    }

    /// A failed response with its reason.
    public static func failure(_ message: String) -> AdminResponse {
        AdminResponse(ok: false, error: message)
    }
}
