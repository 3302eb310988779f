import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The few facts the HA service keeps across restarts, in `STATE_DIRECTORY/ha-NODE.state`: this node's boot
/// epoch and the newest epoch heard from each peer.
///
/// Why: the epoch orders restarts, and replay protection depends on it growing. Taken from the wall clock it
/// would go back with the clock (a node whose clock stepped back would be refused as stale until its peer
/// restarted); a counter kept here only grows. The wall-clock second is its floor, so a lost file still gives
/// an epoch newer than any earlier one unless the clock is also behind. The peers' epochs let a restarted node
/// keep refusing packets from their earlier runs.
///
/// Format, one fact per line: `epoch N` and `peer NAME N`. Written to a temporary file, synced, then renamed
/// over the old one, so a crash leaves the old or the new file, never half of one.
public final class HAStateFile: Sendable {
    /// Why the file could not be used.
    public struct Error: Swift.Error, CustomStringConvertible {
        public var description: String
    }

    /// The file's path.
    public let path: String
    private let state: Mutex<(epoch: UInt64, peers: [String: UInt64])>

    private init(path: String, epoch: UInt64, peers: [String: UInt64]) {
        self.path = path
        self.state = Mutex((epoch, peers))
    }

    /// This run's boot epoch.
    public var epoch: UInt64 { state.withLock { $0.epoch } }
    /// The newest epoch known per peer.
    public var peerEpochs: [String: UInt64] { state.withLock { $0.peers } }

    /// Reads the file in `directory` (creating the directory if needed), takes the next epoch
    /// (`max(stored + 1, wallSeconds)`) and writes it back before the first heartbeat can go out.
    public static func begin(directory: String, node: String, wallSeconds: UInt64) throws(Error) -> HAStateFile {
        if mkdir(directory, 0o750) != 0 && errno != EEXIST {
            throw Error(
                description: "cannot create the state directory \(directory): \(String(cString: strerror(errno)))"
            )
        }
        let path = directory + "/ha-" + node + ".state"
        var stored: UInt64 = 0
        var peers: [String: UInt64] = [:]
        if let text = readSmallFile(path) {
            for line in text.split(separator: "\n") {
                let fields = line.split(separator: " ")
                if fields.count == 2, fields[0] == "epoch", let value = UInt64(fields[1]) { stored = value }
                if fields.count == 3, fields[0] == "peer", let value = UInt64(fields[2]) {
                    peers[String(fields[1])] = value
                }
            }
        }
        let file = HAStateFile(path: path, epoch: max(stored + 1, wallSeconds), peers: peers)
        try file.write()
        return file
    }

    /// Records that `peer` was heard at `epoch`; writes only when it is newer than what the file holds.
    @discardableResult
    public func recordPeer(_ peer: String, epoch: UInt64) -> Error? {
        let changed = state.withLock { state in
            guard (state.peers[peer] ?? 0) < epoch else { return false }
            state.peers[peer] = epoch
            return true
        }
        guard changed else { return nil }
        do throws(Error) {
            try write()
            return nil
        } catch {
            return error
        }
    }

    private func write() throws(Error) {
        let text = state.withLock { state in
            var text = "# Tandem HA state, written by the daemon: the boot epoch and each peer's newest.\n"
            text += "epoch \(state.epoch)\n"
            for (peer, epoch) in state.peers.sorted(by: { $0.key < $1.key }) { text += "peer \(peer) \(epoch)\n" }
            return text
        }
        let temporary = path + ".tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else { throw failure("cannot write \(temporary)") }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard written == bytes.count, synced else { throw failure("cannot write \(temporary)") }
        guard rename(temporary, path) == 0 else { throw failure("cannot rename \(temporary) to \(path)") }
    }

    private func failure(_ what: String) -> Error {
        Error(description: "\(what): \(String(cString: strerror(errno)))")
    }

    private static func readSmallFile(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: 64 * 1024)
        let count = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        return String(decoding: bytes[0..<count], as: UTF8.self)
    }
}
