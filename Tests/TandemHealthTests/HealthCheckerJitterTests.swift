import NIOCore
import TandemBalancing
import Testing

@testable import TandemHealth

@Suite struct HealthCheckerJitterTests {
    /// First delays stay below the interval and differ from each other.
    @Test func firstDelaysSpreadBelowInterval() {
        var random = SplitMix64(seed: 7)
        let delays = (0..<50).map { _ in HealthChecker.firstDelay(interval: .seconds(1), using: &random) }
        #expect(delays.allSatisfy { $0 >= .zero && $0 < .seconds(1) })
        #expect(Set(delays.map(\.nanoseconds)).count > 40)
        #expect(delays.max()! - delays.min()! > .milliseconds(500))
    }

    /// Later delays stay within interval ± 10 % and are not all equal.
    @Test func nextDelaysStayWithinTenPercent() {
        var random = SplitMix64(seed: 11)
        let delays = (0..<50).map { _ in HealthChecker.nextDelay(interval: .milliseconds(100), using: &random) }
        #expect(delays.allSatisfy { $0 >= .milliseconds(90) && $0 <= .milliseconds(110) })
        #expect(Set(delays.map(\.nanoseconds)).count > 40)
    }

    /// The same seed gives the same schedule.
    @Test func seededScheduleIsReproducible() {
        var first = SplitMix64(seed: 3)
        var second = SplitMix64(seed: 3)
        let one = (0..<5).map { _ in HealthChecker.firstDelay(interval: .seconds(1), using: &first) }
        let two = (0..<5).map { _ in HealthChecker.firstDelay(interval: .seconds(1), using: &second) }
        #expect(one == two)
    }
}
