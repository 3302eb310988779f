/// The result of one health probe: the probe only reports, the rise/fall verdict is `HealthCounter`'s.
///
/// Failure reasons are short, stable texts meant for one log line: `"timeout"`, `"connection refused"`,
/// `"connection reset"`, `"connection closed"` (peer closed before answering), `"status 503"`,
/// `"invalid response"`.
public enum ProbeOutcome: Sendable, Equatable {
    /// The server answered as expected.
    case success
    /// The server did not answer as expected; the text says why.
    case failure(String)
}
