/// The timed steps of a successful claim, release or announce, for the daemon's logs and `tandem status`.
public struct ClaimReport: Sendable, Equatable {
    /// The steps in order, e.g. interface-lookup, netlink-add (`added` / `already-present`), garp.
    public let steps: [VIPHelperStep]

    /// Creates a report.
    public init(steps: [VIPHelperStep]) {
        self.steps = steps
    }

    /// The step named `name`, if present.
    public func step(_ name: String) -> VIPHelperStep? {
        steps.first { $0.step == name }
    }

    /// The time spent before the reply, in milliseconds (the announcement's later sends are not included).
    public var totalMilliseconds: Double {
        steps.reduce(0) { $0 + $1.ms }
    }
}
