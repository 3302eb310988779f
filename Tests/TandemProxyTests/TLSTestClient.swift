import COpenSSL

#if canImport(Glibc)
import Glibc
#endif

/// A real OpenSSL client on a blocking TCP socket to 127.0.0.1, sending keep-alive requests through a TLS
/// frontend. Every socket call times out after 5 s, and the blocking work runs off the concurrency pool.
///
/// `@unchecked Sendable`: a test uses one client from one task at a time, awaiting each call.
final class TLSTestClient: @unchecked Sendable {
    /// A client-side failure with OpenSSL's reason.
    struct Failure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// A session to resume on a later connection (its ticket); owns one reference.
    final class Session: @unchecked Sendable {
        let pointer: OpaquePointer
        init(_ pointer: OpaquePointer) { self.pointer = pointer }
        deinit { SSL_SESSION_free(pointer) }
    }

    /// The subject of the certificate the server presented, e.g. `/O=first/CN=a.test`.
    let peerSubject: String
    /// Whether the handshake resumed the offered session instead of running a full handshake.
    let resumed: Bool

    private let serverName: String
    private let descriptor: Int32
    private let context: OpaquePointer
    private let connection: OpaquePointer
    /// Decrypted bytes received but not yet consumed by a response.
    private var received: [UInt8] = []

    /// Connects and completes the handshake with SNI `serverName`, offering `session` for resumption.
    static func connect(
        port: Int,
        serverName: String = "a.test",
        session: Session? = nil
    ) async throws -> TLSTestClient {
        try await blocking { try TLSTestClient(port: port, serverName: serverName, session: session) }
    }

    private init(port: Int, serverName: String, session: Session?) throws {
        self.serverName = serverName
        descriptor = try Self.connectedSocket(port: port)
        context = SSL_CTX_new(TLS_client_method())!
        connection = SSL_new(context)!
        SSL_set_fd(connection, descriptor)
        _ = COpenSSL_SSL_set_tlsext_host_name(connection, serverName)
        if let session {
            SSL_set_session(connection, session.pointer)
        }
        ERR_clear_error()
        guard SSL_connect(connection) == 1 else {
            let failure = Failure(message: "handshake failed: \(Self.openSSLErrors())")
            SSL_free(connection)
            SSL_CTX_free(context)
            close(descriptor)
            throw failure
        }
        resumed = SSL_session_reused(connection) == 1
        if let certificate = SSL_get1_peer_certificate(connection) {
            defer { X509_free(certificate) }
            let name = X509_NAME_oneline(X509_get_subject_name(certificate), nil, 0)
            peerSubject = name.map { String(cString: $0) } ?? ""
            COpenSSL_OPENSSL_free(name)
        } else {
            peerSubject = ""
        }
    }

    deinit {
        _ = SSL_shutdown(connection)
        SSL_free(connection)
        SSL_CTX_free(context)
        close(descriptor)
    }

    /// The session to offer on a later connection; take it after a response, when TLS 1.3 tickets have arrived.
    func session() -> Session? {
        SSL_get1_session(connection).map(Session.init)
    }

    /// One GET on this connection; the response must carry `Content-Length`.
    func get(_ path: String = "/", extraHeaders: [String] = []) async throws -> RawResponse {
        let request = (["GET \(path) HTTP/1.1", "Host: \(serverName)"] + extraHeaders).joined(separator: "\r\n")
        return try await blocking { try self.exchange(request + "\r\n\r\n") }
    }

    private func exchange(_ request: String) throws -> RawResponse {
        let bytes = Array(request.utf8)
        guard SSL_write(connection, bytes, Int32(bytes.count)) == Int32(bytes.count) else {
            throw Failure(message: "write failed: \(Self.openSSLErrors())")
        }
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        for _ in 0..<64 where headEnd == nil {
            headEnd = received.indices.dropLast(3).first { received[$0..<$0 + 4].elementsEqual(separator) }
            if headEnd == nil { try readMore() }
        }
        guard let headEnd, var response = RawResponse.parseHead(received[..<headEnd]) else {
            throw Failure(message: "no response head in \(String(decoding: received, as: UTF8.self))")
        }
        guard let length = response.header("content-length").flatMap({ Int($0) }) else {
            throw Failure(message: "no Content-Length in the response")
        }
        let bodyStart = headEnd + 4
        for _ in 0..<64 where received.count < bodyStart + length {
            try readMore()
        }
        guard received.count >= bodyStart + length else {
            throw Failure(message: "the body is shorter than its Content-Length")
        }
        response.body = Array(received[bodyStart..<bodyStart + length])
        response.bodyCount = length
        received.removeFirst(bodyStart + length)
        return response
    }

    private func readMore() throws {
        var buffer = [UInt8](repeating: 0, count: 16_384)
        ERR_clear_error()
        let count = SSL_read(connection, &buffer, Int32(buffer.count))
        guard count > 0 else {
            let code = SSL_get_error(connection, count)
            throw Failure(message: "read failed (SSL_get_error \(code), errno \(errno)): \(Self.openSSLErrors())")
        }
        received += buffer.prefix(Int(count))
    }

    private static func connectedSocket(port: Int) throws -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(message: "socket: errno \(errno)") }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard status == 0 else {
            let code = errno
            close(descriptor)
            throw Failure(message: "connect to 127.0.0.1:\(port): errno \(code)")
        }
        return descriptor
    }

    private static func openSSLErrors() -> String {
        var reasons: [String] = []
        for _ in 0..<16 {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            reasons.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return reasons.isEmpty ? "no OpenSSL reason" : reasons.joined(separator: "; ")
    }
}
