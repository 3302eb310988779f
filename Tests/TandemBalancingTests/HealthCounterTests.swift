import Testing

@testable import TandemBalancing

@Suite struct HealthCounterTests {
    /// `fall` failures in a row take an up server down; a success in between resets the streak.
    @Test func fall() {
        var counter = HealthCounter(rise: 2, fall: 3)
        #expect(counter.record(success: false) == nil)
        #expect(counter.record(success: false) == nil)
        #expect(counter.record(success: true) == nil)
        #expect(counter.record(success: false) == nil)
        #expect(counter.record(success: false) == nil)
        #expect(counter.record(success: false) == .down)
        #expect(counter.health == .down)
    }

    /// `rise` successes in a row bring a down server back.
    @Test func rise() {
        var counter = HealthCounter(rise: 2, fall: 1, initial: .down)
        #expect(counter.record(success: true) == nil)
        #expect(counter.record(success: false) == nil)
        #expect(counter.record(success: true) == nil)
        #expect(counter.record(success: true) == .up)
    }
}
