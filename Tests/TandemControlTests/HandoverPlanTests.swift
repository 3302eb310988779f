import Testing

@testable import TandemControl

/// The admin socket's handover arguments: whole milliseconds, each bounded, so a typo such as a hold of 300 years
/// is refused with a sentence instead of reaching the state machine's clock.
@Suite("Handover arguments")
struct HandoverPlanTests {
    static let defaults = HARuntime.HandoverPlan(drain: .zero, hold: .seconds(300), wait: .seconds(3))

    func parse(_ arguments: [String]) -> Result<HARuntime.HandoverPlan, HARuntime.HandoverPlan.ArgumentError> {
        HARuntime.HandoverPlan.parse(arguments, defaults: Self.defaults)
    }

    @Test func withinTheLimits() throws {
        let plan = try parse(["drain=2000", "hold=604800000", "wait=60000"]).get()
        #expect(plan.drain == .seconds(2))
        #expect(plan.hold == .seconds(604_800))
        #expect(plan.wait == .seconds(60))
        #expect(try parse([]).get().hold == .seconds(300))
    }

    @Test func beyondTheLimits() {
        let threeHundredYears = Int64(300) * 365 * 86_400 * 1000
        #expect(
            parse(["hold=\(threeHundredYears)"])
                == .failure(.init("handover: hold of \(threeHundredYears) ms is beyond its limit of 7d"))
        )
        #expect(parse(["drain=600001"]) == .failure(.init("handover: drain of 600001 ms is beyond its limit of 10m")))
        #expect(parse(["wait=60001"]) == .failure(.init("handover: wait of 60001 ms is beyond its limit of 60s")))
        #expect(
            parse(["hold=99999999999999999999"])
                == .failure(
                    .init("handover: bad argument \"hold=99999999999999999999\" (want drain=MS, hold=MS, wait=MS, group=NAME)")
                )
        )
        #expect(
            parse(["hold=-1"])
                == .failure(.init("handover: bad argument \"hold=-1\" (want drain=MS, hold=MS, wait=MS, group=NAME)"))
        )
        #expect(
            parse(["linger=5"]) == .failure(.init("handover: unknown argument \"linger\" (want drain, hold, wait, group)"))
        )
    }
}
