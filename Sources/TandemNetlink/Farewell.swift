import NIOCore

#if canImport(Glibc)
import Glibc
#endif

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A daemon's signed crash farewell, kept by the helper and sent over UDP when the daemon's connection breaks.
///
/// The helper treats it as opaque bytes: it cannot read, change or sign one, so it holds no key. Bounds keep the
/// duty small: one packet of at most 256 bytes that starts with the heartbeat magic, to at most 8 destinations.
struct Farewell {
    struct Refusal: Error {
        var message: String
    }

    let packet: [UInt8]
    let destinations: [SocketAddress]

    static func validated(_ request: VIPHelperRequest) -> Result<Farewell, Refusal> {
        guard let text = request.packet, let packet = Data(base64Encoded: text).map(Array.init),
            packet.count >= 8, packet.count <= 256, Array(packet[0..<4]) == [0x54, 0x44, 0x48, 0x41]
        else {
            return .failure(Refusal(message: "arm needs \"packet\": a base64 heartbeat of at most 256 bytes"))
        }
        let texts = request.destinations ?? []
        guard !texts.isEmpty, texts.count <= 8 else {
            return .failure(Refusal(message: "arm needs 1...8 \"destinations\" (IP:PORT)"))
        }
        var destinations: [SocketAddress] = []
        for text in texts {
            guard let address = parse(text) else {
                return .failure(Refusal(message: "\(text) is not IP:PORT"))
            }
            destinations.append(address)
        }
        return .success(Farewell(packet: packet, destinations: destinations))
    }

    /// `198.18.1.12:7000` or `[2001:2::12]:7000`.
    static func parse(_ text: String) -> SocketAddress? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (1...65535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return try? SocketAddress(ipAddress: host, port: port)
    }

    /// Sends the packet to every destination; returns how many sends succeeded.
    func send() -> Int {
        var sent = 0
        for destination in destinations {
            let family = destination.protocol == .inet6 ? AF_INET6 : AF_INET
            let descriptor = socket(family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard descriptor >= 0 else { continue }
            defer { close(descriptor) }
            let result = destination.withSockAddr { address, length in
                packet.withUnsafeBytes { bytes in
                    sendto(descriptor, bytes.baseAddress, bytes.count, 0, address, socklen_t(length))
                }
            }
            if result == packet.count { sent += 1 }
        }
        return sent
    }
}
