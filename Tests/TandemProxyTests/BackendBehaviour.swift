import NIOCore

/// How a `TestBackend` answers every request it gets.
enum BackendBehaviour: Sendable {
    /// 200 with the backend's name as the body.
    case answerName
    /// 200 with the name, after `delay` (a slow request for the drain test).
    case answerNameAfter(TimeAmount)
    /// Reads the body, counting its bytes, and answers 200 with the count as the body.
    case countBody
    /// Answers 200 with a body of `bytes` generated in chunks as the connection can take them.
    case generateBody(bytes: Int)
    /// Reads the request and never answers.
    case neverAnswer
    /// Closes the connection as soon as the request head arrives (before any response byte).
    case closeOnHead
    /// Closes the connection once the whole request, body included, has arrived.
    case closeOnEnd
    /// Answers with the backend's name and the script's current status; paths starting with `/slow` wait
    /// the script's delay (or its gate) first.
    case scripted(BackendScript)
    /// Sends a head declaring `declared` body bytes, then `sent` bytes, then closes.
    case dieMidResponse(declared: Int, sent: Int)
    /// Sends a head declaring `declared` body bytes, then `sent` bytes, then nothing more (connection left open).
    case stallMidResponse(declared: Int, sent: Int)
    /// Answers 200 with the name as soon as the head arrives, before the request body.
    case answerOnHead
    /// Sends the response head as soon as the request head arrives, and the body once the request is complete.
    case headEarlyBodyAtEnd
    /// Sends `103 Early Hints`, then answers 200 with the name.
    case earlyHints
    /// Answers `101 Switching Protocols` (which nothing asked for), then keeps the connection.
    case switchProtocols
}
