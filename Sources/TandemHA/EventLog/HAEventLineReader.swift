/// Splits the bytes of a heartbeat log into lines and decodes them, keeping a partial last line for the next
/// chunk (a file being appended to while `tandem logs --follow` reads it). Lines that are not valid events are
/// counted in ``malformed`` and skipped, never fatal: a log survives a truncated write or a stray edit.
public struct HAEventLineReader: Sendable {
    /// Non-empty lines that did not decode.
    public private(set) var malformed = 0
    private var pending: [UInt8] = []
    /// A partial line longer than this is dropped as malformed (a file without newlines cannot eat memory).
    static let maximumLineLength = 1 << 20

    public init() {}

    /// The complete lines in `bytes` (after what was pending), decoded.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [Line] {
        pending.append(contentsOf: bytes)
        var lines: [Line] = []
        var start = pending.startIndex
        while let newline = pending[start...].firstIndex(of: 0x0A) {
            if let line = decode(pending[start..<newline]) { lines.append(line) }
            start = newline + 1
        }
        pending.removeSubrange(..<start)
        if pending.count > Self.maximumLineLength {
            pending.removeAll()
            malformed += 1
        }
        return lines
    }

    /// Decodes a last line that has no newline (the end of a file read once).
    public mutating func finish() -> [Line] {
        defer { pending.removeAll() }
        return decode(pending[...]).map { [$0] } ?? []
    }

    private mutating func decode(_ bytes: ArraySlice<UInt8>) -> Line? {
        var text = String(decoding: bytes, as: UTF8.self)
        if text.hasSuffix("\r") { text.removeLast() }
        if text.allSatisfy({ $0 == " " || $0 == "\t" }) { return nil }
        guard let event = try? HAEvent(jsonLine: text) else {
            malformed += 1
            return nil
        }
        return Line(text: text, event: event)
    }
}
