import NIOCore
import NIOHTTP1

/// A response the proxy answers by itself, with a short plain-text body.
///
/// `closesConnection` is true where the request stream cannot be trusted to continue (a framing or
/// parsing problem), so the response carries `Connection: close` and the connection is closed.
public enum ProxyErrorResponse: Error, Sendable, Equatable {
    case badRequest(String)
    case requestTimeout
    /// The request body stalled for the frontend's `timeouts.client`.
    case bodyTimeout
    case methodNotAllowed(String)
    case uriTooLong
    /// Too many fields, a field name too long, or the head over `max_header_bytes`; the reason when it is known.
    case headersTooLarge(String?)
    case notImplemented(String)
    case badGateway
    case serviceUnavailable(String, retryAfterSeconds: Int?)
    case gatewayTimeout

    public var status: HTTPResponseStatus {
        switch self {
        case .badRequest: .badRequest
        case .requestTimeout, .bodyTimeout: .requestTimeout
        case .methodNotAllowed: .methodNotAllowed
        case .uriTooLong: .uriTooLong
        case .headersTooLarge: .requestHeaderFieldsTooLarge
        case .notImplemented: .notImplemented
        case .badGateway: .badGateway
        case .serviceUnavailable: .serviceUnavailable
        case .gatewayTimeout: .gatewayTimeout
        }
    }

    /// Whether the client connection must close after this response whatever the client asked.
    public var closesConnection: Bool {
        switch self {
        case .badRequest, .requestTimeout, .bodyTimeout, .methodNotAllowed, .uriTooLong, .headersTooLarge,
            .notImplemented:
            true
        case .badGateway, .serviceUnavailable, .gatewayTimeout: false
        }
    }

    public var body: String {
        switch self {
        case .badRequest(let why): "400 Bad Request: \(why)\n"
        case .requestTimeout: "408 Request Timeout: the request head did not arrive in time\n"
        case .bodyTimeout: "408 Request Timeout: the request body stalled\n"
        case .methodNotAllowed(let why): "405 Method Not Allowed: \(why)\n"
        case .uriTooLong: "414 URI Too Long\n"
        case .headersTooLarge(let why?): "431 Request Header Fields Too Large: \(why)\n"
        case .headersTooLarge(nil): "431 Request Header Fields Too Large\n"
        case .notImplemented(let why): "501 Not Implemented: \(why)\n"
        case .badGateway: "502 Bad Gateway: the backend server failed to answer\n"
        case .serviceUnavailable(let why, _): "503 Service Unavailable: \(why)\n"
        case .gatewayTimeout: "504 Gateway Timeout: the backend server did not answer in time\n"
        }
    }

    /// The response head; `close` adds `Connection: close`.
    func head(version: HTTPVersion, close: Bool) -> HTTPResponseHead {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        headers.add(name: "Content-Length", value: String(body.utf8.count))
        headers.add(name: "Cache-Control", value: "no-store")
        if case .serviceUnavailable(_, let retryAfter?) = self {
            headers.add(name: "Retry-After", value: String(retryAfter))
        }
        if case .methodNotAllowed = self {
            headers.add(name: "Allow", value: "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS")
        }
        if close { headers.add(name: "Connection", value: "close") }
        return HTTPResponseHead(version: version, status: status, headers: headers)
    }

    /// The whole response as bytes, in the client's HTTP/1.`minorVersion`; `close` says `Connection: close`, else an
    /// HTTP/1.0 client is told `Connection: keep-alive`.
    func rawBytes(minorVersion: Int, close: Bool) -> ByteBuffer {
        let head = self.head(version: HTTPVersion(major: 1, minor: minorVersion), close: close)
        var text = "HTTP/1.\(minorVersion) \(head.status.code) \(head.status.reasonPhrase)\r\n"
        for (name, value) in head.headers { text += "\(name): \(value)\r\n" }
        if !close, minorVersion == 0 { text += "Connection: keep-alive\r\n" }
        text += "\r\n" + body
        return ByteBuffer(string: text)
    }
}
