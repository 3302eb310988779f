/// The admin `server` command's operands, `ACTION BACKEND/SERVER [WEIGHT]`: built by `tandem server`, parsed
/// by the daemon, so both sides agree on one spelling.
public struct ServerControlRequest: Sendable, Equatable {
    /// What to do to the server.
    public enum Action: Sendable, Equatable {
        /// No new requests, not even pinned ones; requests in flight finish.
        case drain
        /// No new requests (maintenance); requests in flight finish.
        case disable
        /// Takes requests again whenever healthy.
        case enable
        /// A new relative share of traffic (the daemon checks the range).
        case weight(Int)

        /// The word on the wire and on the command line.
        public var name: String {
            switch self {
            case .drain: "drain"
            case .disable: "disable"
            case .enable: "enable"
            case .weight: "weight"
            }
        }
    }

    /// Why operands were refused, as the sentence the operator sees.
    public struct ArgumentError: Error, Equatable, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    public var action: Action
    public var backend: String
    public var server: String

    public init(action: Action, backend: String, server: String) {
        self.action = action
        self.backend = backend
        self.server = server
    }

    /// `BACKEND/SERVER`.
    public var target: String { "\(backend)/\(server)" }

    /// The request for the admin socket: `["drain", "app/be1"]`, `["weight", "app/be1", "50"]`.
    public var adminRequest: AdminRequest {
        var arguments = [action.name, target]
        if case .weight(let weight) = action { arguments.append(String(weight)) }
        return AdminRequest(command: "server", arguments: arguments)
    }

    /// Splits `BACKEND/SERVER` (names never contain `/`: the configuration refuses it).
    public static func parseTarget(_ text: String) -> Result<(backend: String, server: String), ArgumentError> {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            return .failure(ArgumentError("\"\(text)\" is not BACKEND/SERVER (e.g. app/be1)"))
        }
        return .success((String(parts[0]), String(parts[1])))
    }

    /// The request that the admin arguments describe.
    public static func parse(_ arguments: [String]) -> Result<ServerControlRequest, ArgumentError> {
        let usage = "server takes drain|disable|enable BACKEND/SERVER, or weight BACKEND/SERVER N"
        guard arguments.count >= 2 else { return .failure(ArgumentError(usage)) }
        let action: Action
        switch (arguments[0], arguments.count) {
        case ("drain", 2): action = .drain
        case ("disable", 2): action = .disable
        case ("enable", 2): action = .enable
        case ("weight", 3):
            guard let weight = Int(arguments[2]) else {
                return .failure(ArgumentError("server weight: \"\(arguments[2])\" is not a whole number"))
            }
            action = .weight(weight)
        default:
            return .failure(ArgumentError(usage))
        }
        return parseTarget(arguments[1]).map {
            ServerControlRequest(action: action, backend: $0.backend, server: $0.server)
        }
    }

    /// The admin state the action sets; `--wait` gives up when someone else changes it meanwhile. Nil for a
    /// weight, which leaves it alone.
    public var admin: BackendsReport.Admin? {
        switch action {
        case .drain: .drain
        case .disable: .disabled
        case .enable: .ready
        case .weight: nil
        }
    }

    /// Whether `server` has reached what `--wait` waits for: nothing in flight after a drain or disable, up and
    /// not ejected after an enable. A weight takes effect at once.
    public func isSettled(_ server: BackendsReport.Server) -> Bool {
        switch action {
        case .drain, .disable: server.inFlight == 0
        case .enable: server.health == .up && !server.ejected
        case .weight: true
        }
    }
}
