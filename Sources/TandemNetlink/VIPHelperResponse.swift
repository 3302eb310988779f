/// One response line of the VIP helper protocol, answering the request before it on the same connection.
///
/// `{"ok":true,"steps":[...]}`, `{"ok":true,"vips":[...]}` or `{"ok":false,"error":"..."}` (steps may
/// accompany an error, e.g. the address was added but the announcement failed).
public struct VIPHelperResponse: Codable, Sendable, Equatable {
    /// Whether the operation succeeded.
    public var ok: Bool
    /// Why it failed.
    public var error: String?
    /// The timed steps of claim, release and announce.
    public var steps: [VIPHelperStep]?
    /// The VIPs of a `list`.
    public var vips: [VIPHelperListEntry]?

    /// Creates a response.
    public init(ok: Bool, error: String? = nil, steps: [VIPHelperStep]? = nil, vips: [VIPHelperListEntry]? = nil) {
        self.ok = ok
        self.error = error
        self.steps = steps
        self.vips = vips
    }

    /// A failure with its reason.
    public static func failure(_ error: String, steps: [VIPHelperStep]? = nil) -> VIPHelperResponse {
        VIPHelperResponse(ok: false, error: error, steps: steps)
    }
}
