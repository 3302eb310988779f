/// Why a call to the VIP helper failed. Equal by code.
public struct VIPHelperClientError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public enum Code: Equatable, Sendable {
        /// The helper answered `ok: false` (refused, not allowed, kernel error); the detail is its message.
        case refused
        /// The connection is closed (the helper stopped or the client closed it).
        case connectionClosed
        /// No response within the request timeout; the client closed the connection (the helper then
        /// releases this connection's VIPs).
        case timeout
        /// The response was not valid JSON of the protocol.
        case malformedResponse
    }

    /// The kind of failure.
    public let code: Code
    /// The explanation (for `.refused`, the helper's error text).
    public let detail: String
    /// The steps the helper completed before refusing, if any.
    public let steps: [VIPHelperStep]

    /// Creates an error.
    public init(code: Code, detail: String, steps: [VIPHelperStep] = []) {
        self.code = code
        self.detail = detail
        self.steps = steps
    }

    /// The explanation.
    public var description: String {
        detail
    }

    /// Equal by code.
    public static func == (lhs: VIPHelperClientError, rhs: VIPHelperClientError) -> Bool {
        lhs.code == rhs.code
    }
}
