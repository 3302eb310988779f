import Synchronization

/// Counters of one TLS frontend, shared by all its connections and safe to read from any thread.
///
/// Every handshake that completes and every connection closed for a TLS reason is counted exactly once, so
/// operators can tell a scanner or a misconfigured client (plaintext HTTP) from a real failure.
public final class TLSStatistics: Sendable {
    private let completed = Atomic<Int>(0)
    private let resumed = Atomic<Int>(0)
    private let plaintextHTTP = Atomic<Int>(0)
    private let badClientHello = Atomic<Int>(0)
    private let handshakeTimeout = Atomic<Int>(0)
    private let protocolError = Atomic<Int>(0)

    public init() {}

    /// Handshakes that completed, full or resumed.
    public var handshakes: Int { completed.load(ordering: .relaxed) }

    /// Handshakes that resumed a session from a ticket (a subset of `handshakes`).
    public var resumedHandshakes: Int { resumed.load(ordering: .relaxed) }

    /// Connections closed for `reason`.
    public func failures(_ reason: TLSFailureReason) -> Int {
        switch reason {
        case .plaintextHTTP: plaintextHTTP.load(ordering: .relaxed)
        case .badClientHello: badClientHello.load(ordering: .relaxed)
        case .handshakeTimeout: handshakeTimeout.load(ordering: .relaxed)
        case .protocolError: protocolError.load(ordering: .relaxed)
        }
    }

    /// All failures, by reason.
    public var failuresByReason: [TLSFailureReason: Int] {
        Dictionary(uniqueKeysWithValues: TLSFailureReason.allCases.map { ($0, failures($0)) })
    }

    func recordHandshake(resumed wasResumed: Bool) {
        completed.add(1, ordering: .relaxed)
        if wasResumed {
            resumed.add(1, ordering: .relaxed)
        }
    }

    func recordFailure(_ reason: TLSFailureReason) {
        switch reason {
        case .plaintextHTTP: plaintextHTTP.add(1, ordering: .relaxed)
        case .badClientHello: badClientHello.add(1, ordering: .relaxed)
        case .handshakeTimeout: handshakeTimeout.add(1, ordering: .relaxed)
        case .protocolError: protocolError.add(1, ordering: .relaxed)
        }
    }
}
