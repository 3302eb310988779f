import COpenSSL

/// The calling thread's OpenSSL error queue. Event-loop threads serve many connections, so each connection
/// clears the queue before an SSL call and drains it after a failure.
enum OpenSSLErrorQueue {
    /// Empties the queue so that the next failure reports only its own errors.
    static func clear() {
        ERR_clear_error()
    }

    /// Empties the queue and returns its first error code (0 when empty) and all messages joined.
    static func drain() -> (first: UInt, message: String) {
        var first: UInt = 0
        var messages: [String] = []
        for _ in 0..<16 {
            let code = ERR_get_error()
            if code == 0 {
                break
            }
            if first == 0 {
                first = code
            }
            var text = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &text, text.count)
            messages.append(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        ERR_clear_error()
        return (first, messages.isEmpty ? "unknown OpenSSL error" : messages.joined(separator: "; "))
    }
}
