/// Why a planned handover was refused or did not complete; `report` is set when it started.
public struct HandoverError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public let report: HandoverReport?

    public init(_ description: String, report: HandoverReport? = nil) {
        self.description = description
        self.report = report
    }
}
