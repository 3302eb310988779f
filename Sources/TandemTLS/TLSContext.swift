import COpenSSL
import NIOCore
import Synchronization
import TandemConfig

/// The TLS configuration of one frontend, shared by all its connections: a certificate per configured file
/// (chosen by SNI, the first is the default), Mozilla "intermediate" ciphers and groups, ALPN from `tls.alpn` (`h2`, `http/1.1`), no
/// compression, no renegotiation, and session tickets from the shared `ticket_keys` file.
///
/// `reload()` swaps in a new configuration atomically: established connections keep the one they started
/// with, new ones get the new one, and a reload that fails leaves the old one in force.
public final class TLSContext: Sendable {
    /// Counters for every connection of this frontend.
    public let statistics: TLSStatistics
    /// How long a client may take to complete its handshake before the connection is closed.
    public var handshakeTimeout: Duration { state.withLock { $0.settings.handshakeTimeout } }

    /// Used when no `ticket_keys` file is configured: random, but stable across reloads of this process.
    private let processTicketKeys: TLSTicketKeyRing
    private let state: Mutex<State>

    struct State: Sendable {
        var settings: TLSSettings
        var certificates: TLSCertificateSet
    }

    /// Loads every certificate and the ticket keys of `settings`; throws `TLSError` naming the first bad file.
    public init(settings: TLSSettings, statistics: TLSStatistics = TLSStatistics()) throws {
        let processTicketKeys = TLSTicketKeyRing(keys: [TLSTicketKey.random()])
        let certificates = try Self.load(settings, processTicketKeys: processTicketKeys)
        self.statistics = statistics
        self.processTicketKeys = processTicketKeys
        self.state = Mutex(State(settings: settings, certificates: certificates))
    }

    /// Re-reads the certificates and ticket keys of the current settings from disk and swaps them in.
    /// Throws, leaving the old configuration in force, when any file is unusable.
    public func reload() throws {
        try reload(settings: state.withLock { $0.settings })
    }

    /// Swaps in `settings` (a config reload may add certificates or change the ticket file).
    /// Throws, leaving the old configuration in force, when any file is unusable.
    public func reload(settings: TLSSettings) throws {
        commit(try stage(settings))
    }

    /// Certificates and ticket keys read from their files but not yet in force.
    public struct Staged: Sendable {
        let state: State
    }

    /// Reads the files of `settings` without putting them in force: a whole-config reload reads every frontend's
    /// files first and commits them only when all of them, and the rest of the configuration, are good.
    public func stage(_ settings: TLSSettings) throws -> Staged {
        Staged(
            state: State(
                settings: settings,
                certificates: try Self.load(settings, processTicketKeys: processTicketKeys)
            )
        )
    }

    /// Puts staged files in force for new handshakes.
    public func commit(_ staged: Staged) {
        state.withLock { $0 = staged.state }
    }

    /// The DNS names of each certificate now in force, in configuration order (for status pages and tests).
    public var certificateNames: [[String]] {
        currentCertificates().certificates.map(\.dnsNames)
    }

    func currentCertificates() -> TLSCertificateSet {
        state.withLock { $0.certificates }
    }

    static func load(_ settings: TLSSettings, processTicketKeys: TLSTicketKeyRing) throws -> TLSCertificateSet {
        guard !settings.certificates.isEmpty else {
            throw TLSError(path: "tls.certificates", message: "at least one certificate is required")
        }
        let minimumVersion: Int32
        switch settings.minimumVersion {
        case .tls12: minimumVersion = TLS1_2_VERSION
        case .tls13: minimumVersion = TLS1_3_VERSION
        }
        let certificates = try settings.certificates.map {
            try TLSServerCertificate(path: $0, minimumVersion: minimumVersion, alpn: settings.alpn.map(\.rawValue))
        }
        let ticketKeys =
            try settings.ticketKeysPath.map { try TLSTicketKeyRing(contentsOfFile: $0) } ?? processTicketKeys
        return TLSCertificateSet(certificates: certificates, ticketKeys: ticketKeys)
    }
}
