import CNetlink
import Foundation
import NIOCore
import NIOPosix
import Testing

/// Two network namespaces joined by a veth pair, created for one test and deleted after it.
///
/// `tnl-<random>-a` holds `tnl<random>a` with 198.18.5.1/24, `tnl-<random>-b` holds `tnl<random>b` with
/// 198.18.5.2/24; IPv6 is disabled in both. Each side gets a one-thread event loop whose thread has entered that namespace (setns on
/// that thread only): sockets created on it belong to the namespace, while the test process and its Unix
/// socket stay where they are (path-named Unix sockets are not namespaced). This keeps the helper in-process,
/// so its code runs under the test's assertions, with no extra executable to build or find.
final class NamespaceLab: Sendable {
    let tag: String
    let helperNamespace: String
    let observerNamespace: String
    let helperInterface: String
    let observerInterface: String
    /// An event loop running inside the helper's namespace.
    let helperLoop: EventLoop
    /// An event loop running inside the observer's namespace.
    let observerLoop: EventLoop
    private let groups: [MultiThreadedEventLoopGroup]

    /// Root (namespaces, addresses, capabilities) and iproute2 are both needed.
    static var isAvailable: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip")
    }

    /// Creates the namespaces, the veth pair and the two namespaced event loops, runs `body`, and removes
    /// everything whether `body` succeeds or throws.
    static func with<Result>(_ body: (NamespaceLab) async throws -> Result) async throws -> Result {
        let tag = String(UInt32.random(in: 0..<UInt32.max), radix: 16)
        let lab = try await NamespaceLab(tag: tag)
        do {
            let result = try await body(lab)
            await lab.tearDown()
            return result
        } catch {
            await lab.tearDown()
            throw error
        }
    }

    private init(tag: String) async throws {
        self.tag = tag
        helperNamespace = "tnl-\(tag)-a"
        observerNamespace = "tnl-\(tag)-b"
        helperInterface = "tnl\(tag)a"
        observerInterface = "tnl\(tag)b"
        groups = [MultiThreadedEventLoopGroup(numberOfThreads: 1), MultiThreadedEventLoopGroup(numberOfThreads: 1)]
        helperLoop = groups[0].next()
        observerLoop = groups[1].next()
        do {
            for namespace in [helperNamespace, observerNamespace] {
                try Self.ip("netns", "add", namespace)
                // IPv4 only: no IPv6 link-local chatter, so every packet in the lab is from 198.18.0.0/15.
                try Self.ip(
                    "netns",
                    "exec",
                    namespace,
                    "sysctl",
                    "-q",
                    "-w",
                    "net.ipv6.conf.all.disable_ipv6=1",
                    "net.ipv6.conf.default.disable_ipv6=1"
                )
            }
            try Self.ip(
                "link",
                "add",
                helperInterface,
                "netns",
                helperNamespace,
                "type",
                "veth",
                "peer",
                "name",
                observerInterface,
                "netns",
                observerNamespace
            )
            try Self.ip("-n", helperNamespace, "addr", "add", "198.18.5.1/24", "dev", helperInterface)
            try Self.ip("-n", observerNamespace, "addr", "add", "198.18.5.2/24", "dev", observerInterface)
            try Self.ip("-n", helperNamespace, "link", "set", helperInterface, "up")
            try Self.ip("-n", observerNamespace, "link", "set", observerInterface, "up")
            try await Self.enter(helperNamespace, on: helperLoop)
            try await Self.enter(observerNamespace, on: observerLoop)
        } catch {
            await tearDown()
            throw error
        }
    }

    /// Deletes both namespaces (which deletes the veth pair) and stops the event loops.
    func tearDown() async {
        _ = try? Self.ip("netns", "del", helperNamespace)
        _ = try? Self.ip("netns", "del", observerNamespace)
        for group in groups {
            try? await group.shutdownGracefully()
        }
    }

    /// The IPv4 addresses on the helper's interface, as `ip -n NS addr` prints them (`198.18.5.1/24`).
    func helperAddresses() throws -> [String] {
        let output = try Self.ip("-n", helperNamespace, "-4", "-o", "addr", "show", "dev", helperInterface)
        return output.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard let inet = fields.firstIndex(of: "inet"), inet + 1 < fields.count else {
                return nil
            }
            return String(fields[inet + 1])
        }
    }

    /// Polls `helperAddresses()` until `condition` holds: at most 100 tries 20 ms apart (2 s).
    func waitForHelperAddresses(_ condition: ([String]) -> Bool) async throws -> Bool {
        for _ in 0..<100 {
            if condition(try helperAddresses()) {
                return true
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    /// The helper interface's MAC address, read inside its namespace.
    func helperHardwareAddress() async throws -> [UInt8] {
        let name = helperInterface
        return try await helperLoop.submit {
            let probe = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            defer { close(probe) }
            var mac = [UInt8](repeating: 0, count: 6)
            guard CNetlink_get_hwaddr(probe, name, &mac) == 0 else {
                throw LabError(message: "SIOCGIFHWADDR \(name): errno \(errno)")
            }
            return mac
        }.get()
    }

    /// Runs `ip ARGS...` and returns its standard output; throws with its standard error on failure.
    @discardableResult
    static func ip(_ arguments: String...) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: errorData, as: UTF8.self)
            throw LabError(message: "ip \(arguments.joined(separator: " ")): \(message)")
        }
        return String(decoding: outputData, as: UTF8.self)
    }

    private static func enter(_ namespace: String, on loop: EventLoop) async throws {
        try await loop.submit {
            let descriptor = open("/var/run/netns/\(namespace)", O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                throw LabError(message: "open netns \(namespace): errno \(errno)")
            }
            defer { close(descriptor) }
            guard CNetlink_enter_network_namespace(descriptor) == 0 else {
                throw LabError(message: "setns \(namespace): errno \(errno)")
            }
        }.get()
    }
}
