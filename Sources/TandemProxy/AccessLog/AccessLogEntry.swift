import NIOCore

/// A record on its way to its log, carried by what outlives the handler that began it (a tunnel).
struct AccessLogEntry: Sendable {
    let log: AccessLog
    var record: AccessLogRecord

    /// Ends the record with `cause` and writes it, unless it ended already.
    mutating func end(
        _ cause: AccessLogRecord.Cause,
        detail: String? = nil,
        on eventLoop: any EventLoop
    ) {
        guard record.end(cause, detail: detail, now: eventLoop.now) else { return }
        log.log(record, on: eventLoop)
    }

    /// The tunnel is over: its bytes are added and the way it ended becomes the termination.
    mutating func tunnelEnded(_ ending: TunnelHandler.Ending, on eventLoop: any EventLoop) {
        record.bytesIn += ending.fromClient
        record.bytesOut += ending.fromServer
        switch ending.reason {
        case .bothEnded: end(.completed, on: eventLoop)
        case .clientClosed: end(.clientClosed, detail: "the client closed the tunnel", on: eventLoop)
        case .serverClosed: end(.serverFailed, detail: "the server closed the tunnel", on: eventLoop)
        case .idle: end(.clientTimeout, detail: "nothing moved for the tunnel's idle limit", on: eventLoop)
        }
    }
}
