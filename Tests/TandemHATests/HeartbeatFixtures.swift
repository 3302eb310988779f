import TandemHA

/// Keys and packets shared by the wire-format tests.
enum HeartbeatFixtures {
    static func key(id: UInt8, fill: UInt8) -> HeartbeatKey {
        HeartbeatKey(id: id, secret: [UInt8](repeating: fill, count: 32))!
    }

    static func keyring(_ keys: HeartbeatKey...) -> HeartbeatKeyring {
        try! HeartbeatKeyring(keys: keys)
    }

    static func randomKeyring(using generator: inout SplitMix64) -> HeartbeatKeyring {
        let secret = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return try! HeartbeatKeyring(keys: [
            HeartbeatKey(id: UInt8.random(in: 1...255, using: &generator), secret: secret)!
        ])
    }

    static func randomHeartbeat(using generator: inout SplitMix64) -> Heartbeat {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789-é")
        let length = Int.random(in: 1...30, using: &generator)
        var name = String((0..<length).map { _ in alphabet.randomElement(using: &generator)! })
        while name.utf8.count > Heartbeat.maximumNameLength { name.removeLast() }
        return Heartbeat(
            keyID: 1,
            nodeName: name,
            bootEpoch: generator.next(),
            sequence: generator.next(),
            monotonic: generator.next(),
            wallClock: generator.next(),
            echo: generator.next(),
            groups: (0..<Int.random(in: 1...4, using: &generator)).map { index in
                Heartbeat.Group(
                    name: "group-\(index)" + String(repeating: "x", count: Int.random(in: 0...20, using: &generator)),
                    state: NodeState.allCases.randomElement(using: &generator)!,
                    flags: HeartbeatFlags(rawValue: UInt8.random(in: 0...3, using: &generator)),
                    priority: UInt16.random(in: 0...255, using: &generator)
                )
            }
        )
    }

    static func heartbeat(
        name: String = "lb-b",
        epoch: UInt64 = 7,
        sequence: UInt64 = 1,
        monotonic: UInt64 = 1_000_000_000_000,
        wallClock: UInt64 = 1_780_000_000_000_000_000,
        state: NodeState = .standby,
        kind: Heartbeat.Kind = .heartbeat
    ) -> Heartbeat {
        Heartbeat(
            kind: kind,
            keyID: 1,
            nodeName: name,
            bootEpoch: epoch,
            sequence: sequence,
            monotonic: monotonic,
            wallClock: wallClock,
            echo: 0,
            groups: kind == .farewell ? [] : [Heartbeat.Group(name: "default", state: state, priority: 100)]
        )
    }
}
