import Foundation
import Testing

@testable import TandemNetlink

@Suite struct VIPHelperProtocolTests {
    /// The request lines of the protocol decode as documented.
    @Test func requestsDecode() throws {
        let line = #"{"op":"claim","vip":"198.18.0.100/24","interface":"eth0"}"#
        let request = try JSONDecoder().decode(VIPHelperRequest.self, from: Data(line.utf8))
        #expect(request == VIPHelperRequest(op: .claim, vip: "198.18.0.100/24", interface: "eth0"))
        let list = try JSONDecoder().decode(VIPHelperRequest.self, from: Data(#"{"op":"list"}"#.utf8))
        #expect(list == VIPHelperRequest(op: .list))
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(VIPHelperRequest.self, from: Data(#"{"op":"steal"}"#.utf8))
        }
    }

    /// Responses encode with absent fields left out.
    @Test func responsesEncode() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let claimed = VIPHelperResponse(
            ok: true,
            steps: [
                VIPHelperStep(step: "netlink-add", ms: 0.42, result: "added"),
                VIPHelperStep(step: "garp", ms: 0.05, count: 3, plannedMs: 200),
            ]
        )
        #expect(
            String(decoding: try encoder.encode(claimed), as: UTF8.self)
                == #"{"ok":true,"steps":[{"ms":0.42,"result":"added","step":"netlink-add"},"#
                + #"{"count":3,"ms":0.05,"plannedMs":200,"step":"garp"}]}"#
        )
        let refused = VIPHelperResponse.failure("198.18.0.200/24@eth0 is not in the allow list")
        #expect(
            String(decoding: try encoder.encode(refused), as: UTF8.self)
                == #"{"error":"198.18.0.200/24@eth0 is not in the allow list","ok":false}"#
        )
    }

    /// Step durations are milliseconds rounded to the microsecond.
    @Test func stepMilliseconds() {
        #expect(VIPHelperStep.milliseconds(.microseconds(420)) == 0.42)
        #expect(VIPHelperStep.milliseconds(.nanoseconds(1_234_567)) == 1.235)
        #expect(VIPHelperStep.milliseconds(.seconds(2)) == 2000)
    }
}
