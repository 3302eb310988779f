extension ProxyErrorResponse {
    /// Why the proxy answered by itself, as the access log's detail: the reason its body gives, without the status.
    var logDetail: String {
        switch self {
        case .badRequest(let why), .methodNotAllowed(let why), .notImplemented(let why): why
        case .requestTimeout: "the request head did not arrive in time"
        case .bodyTimeout: "the request body stalled"
        case .uriTooLong: "the request target is too long"
        case .headersTooLarge(let why?): why
        case .headersTooLarge(nil): "the request head is too large"
        case .badGateway: "the backend server failed to answer"
        case .serviceUnavailable(let why, _): why
        case .gatewayTimeout: "the backend server did not answer in time"
        }
    }
}
