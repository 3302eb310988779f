import Testing

@testable import TandemConfig

/// Config durations need a unit; anything ambiguous is refused.
@Suite struct DurationParsingTests {
    @Test(arguments: [
        ("50ms", Duration.milliseconds(50)),
        ("2s", .seconds(2)),
        ("1.5s", .milliseconds(1500)),
        ("5m", .seconds(300)),
        ("1h", .seconds(3600)),
        ("250us", .microseconds(250)),
        ("0s", .zero),
        ("0.25ms", .microseconds(250)),
        ("10ns", .nanoseconds(10)),
    ])
    func accepts(text: String, expected: Duration) {
        #expect(Duration(configString: text) == expected)
    }

    @Test(arguments: [
        "", "5", "-1s", "1d", "ms", "1.s", ".5s", "1..5s", "1 s", "1S", "s1", "1e3ms", "+1s", "99999999999h",
    ])
    func rejects(text: String) {
        #expect(Duration(configString: text) == nil)
    }

    @Test(arguments: [
        (Duration.milliseconds(100), "100ms"),
        (.seconds(2), "2s"),
        (.seconds(300), "5m"),
        (.milliseconds(1500), "1500ms"),
        (.zero, "0s"),
    ])
    func describesInConfigNotation(duration: Duration, expected: String) {
        #expect(duration.configDescription == expected)
        #expect(Duration(configString: expected) == duration)
    }
}
