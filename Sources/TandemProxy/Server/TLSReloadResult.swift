/// What reloading one TLS frontend's certificates and ticket keys did.
///
/// A failed reload changes nothing: the frontend keeps serving the certificates and ticket keys it had, so a
/// bad file never takes a listener down. `failure` says which file and why, for the log and `tandem reload`.
public struct TLSReloadResult: Sendable, Equatable {
    /// The frontend's name.
    public var frontend: String
    /// Nil when the new files are in force; otherwise the reason the previous ones stay.
    public var failure: String?
    /// The DNS names of each certificate in force after the attempt (the old ones when it failed).
    public var certificateNames: [[String]]

    public init(frontend: String, failure: String?, certificateNames: [[String]]) {
        self.frontend = frontend
        self.failure = failure
        self.certificateNames = certificateNames
    }

    /// Whether the new certificates and ticket keys are in force.
    public var succeeded: Bool { failure == nil }

    /// One line for people, e.g. `frontend web: reloaded (a.test)` or
    /// `frontend web: /etc/tandem/a.pem: no certificate; the previous certificates stay in force`.
    public var summary: String {
        if let failure {
            return "frontend \(frontend): \(failure); the previous certificates stay in force"
        }
        let names = certificateNames.map { $0.joined(separator: " ") }.joined(separator: ", ")
        return "frontend \(frontend): reloaded (\(names))"
    }
}
