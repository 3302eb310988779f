import Testing

@testable import TandemControl

/// The admin protocol's framing: one JSON object per line, stable field names, clear decoding errors.
@Suite struct AdminCodecTests {
    /// A request survives encoding and decoding, and its line ends with exactly one newline.
    @Test func requestRoundTrip() throws {
        let request = AdminRequest(command: "server", arguments: ["drain", "app/be1"])
        let line = AdminCodec.encode(request)
        #expect(line.last == UInt8(ascii: "\n"))
        #expect(line.dropLast().contains(UInt8(ascii: "\n")) == false)
        #expect(try AdminCodec.decodeRequest(line.dropLast()) == request)
    }

    /// `{"command":"status"}` is the status request, as a script or `socat` would type it.
    @Test func statusRequestIsPlainJSON() throws {
        #expect(String(decoding: AdminCodec.encode(AdminRequest.status), as: UTF8.self) == "{\"command\":\"status\"}\n")
        #expect(try AdminCodec.decodeRequest(Array("{\"command\":\"status\"}".utf8)) == .status)
    }

    /// A full status response round-trips, and its JSON uses the documented field names.
    @Test func statusResponseRoundTrip() throws {
        let response = AdminResponse(ok: true, status: StatusFixtures.active)
        let line = AdminCodec.encode(response)
        let text = String(decoding: line, as: UTF8.self)
        for field in [
            "\"lastHeardMs\"", "\"rttMedianMs\"", "\"rttP99Ms\"", "\"holder\":\"lb-a\"", "\"state\":\"ACTIVE\"",
        ] {
            #expect(text.contains(field), "missing \(field) in \(text)")
        }
        #expect(try AdminCodec.decodeResponse(line.dropLast()) == response)
    }

    /// A failure carries its reason and no status.
    @Test func failureResponse() throws {
        let line = AdminCodec.encode(AdminResponse.failure("no such backend"))
        let decoded = try AdminCodec.decodeResponse(line.dropLast())
        #expect(decoded.ok == false)
        #expect(decoded.error == "no such backend")
        #expect(decoded.status == nil)
    }

    /// Garbage and objects without a command are refused with a message, not a crash.
    @Test(arguments: ["", "not json", "{\"cmd\":\"status\"}", "[1,2]", "{\"command\":3}"])
    func malformedRequestsAreRefused(_ text: String) {
        #expect(throws: AdminCodec.Error.self) { try AdminCodec.decodeRequest(Array(text.utf8)) }
    }

    /// A line over the limit is refused before parsing.
    @Test func overlongLineIsRefused() {
        let line = [UInt8](repeating: UInt8(ascii: " "), count: AdminCodec.maximumLineLength + 1)
        #expect(throws: AdminCodec.Error.self) { try AdminCodec.decodeRequest(line) }
    }
}
