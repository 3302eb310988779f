#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The admin protocol's framing: one JSON object per line (`\n`), requests and responses alike, at most
/// ``maximumLineLength`` bytes so that a confused client cannot make the daemon buffer without bound.
public enum AdminCodec {
    /// The longest line either side accepts, newline excluded.
    public static let maximumLineLength = 1 << 20

    /// Why a line could not be decoded.
    public struct Error: Swift.Error, Sendable, Equatable, CustomStringConvertible {
        public let message: String

        public var description: String { message }
    }

    /// The request as one line, newline included.
    public static func encode(_ request: AdminRequest) -> [UInt8] {
        line(request)
    }

    /// The response as one line, newline included.
    public static func encode(_ response: AdminResponse) -> [UInt8] {
        line(response)
    }

    /// Decodes a request line (without its newline).
    public static func decodeRequest(_ line: some Collection<UInt8>) throws(Error) -> AdminRequest {
        try decode(AdminRequest.self, from: line, what: "request")
    }

    /// Decodes a response line (without its newline).
    public static func decodeResponse(_ line: some Collection<UInt8>) throws(Error) -> AdminResponse {
        try decode(AdminResponse.self, from: line, what: "response")
    }

    private static func line(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding these plain structs cannot fail; a failure would be a programming error.
        var bytes = Array((try? encoder.encode(value)) ?? Data("{\"ok\":false}".utf8))
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    private static func decode<Value: Decodable>(
        _ type: Value.Type,
        from line: some Collection<UInt8>,
        what: String
    ) throws(Error) -> Value {
        guard line.count <= maximumLineLength else {
            throw Error(message: "the \(what) is longer than \(maximumLineLength) bytes")
        }
        do {
            return try JSONDecoder().decode(type, from: Data(line))
        } catch {
            throw Error(message: "the \(what) is not valid admin JSON: \(error)")
        }
    }
}
