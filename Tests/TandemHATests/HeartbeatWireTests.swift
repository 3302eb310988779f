import Testing

@testable import TandemHA

@Suite("Heartbeat wire format")
struct HeartbeatWireTests {
    /// A signed heartbeat authenticates back to the same values, and its length is 81 + name bytes + 5 + group
    /// name bytes per group.
    @Test func roundTrip() throws {
        var generator = SplitMix64(seed: 1)
        for _ in 0..<500 {
            let keyring = HeartbeatFixtures.randomKeyring(using: &generator)
            var heartbeat = HeartbeatFixtures.randomHeartbeat(using: &generator)
            heartbeat.keyID = keyring.signingKey.id
            let packet = heartbeat.signed(with: keyring)
            let groupBytes = heartbeat.groups.reduce(0) { $0 + Heartbeat.groupEntryLength + $1.name.utf8.count }
            #expect(packet.count == Heartbeat.fixedLength + heartbeat.nodeName.utf8.count + groupBytes)
            #expect(try Heartbeat.authenticate(packet, keyring: keyring) == heartbeat)
        }
    }

    /// The documented layout (version 3), byte by byte, for one known packet with two groups.
    @Test func layoutIsAsDocumented() {
        let heartbeat = Heartbeat(
            keyID: 9,
            nodeName: "ab",
            bootEpoch: 0x0102_0304_0506_0708,
            sequence: 0x1112_1314_1516_1718,
            monotonic: 0x2122_2324_2526_2728,
            wallClock: 0x4142_4344_4546_4748,
            echo: 0x3132_3334_3536_3738,
            groups: [
                Heartbeat.Group(name: "web-a", state: .active, flags: .steppedDown, priority: 0x0A0B),
                Heartbeat.Group(name: "b", state: .standby, priority: 100),
            ]
        )
        let keyring = HeartbeatFixtures.keyring(HeartbeatFixtures.key(id: 9, fill: 0x42))
        let packet = heartbeat.signed(with: keyring)
        let expectedBody: [UInt8] =
            [0x54, 0x44, 0x48, 0x41, 3, 1, 9, 2, 0x61, 0x62]
            + [1, 2, 3, 4, 5, 6, 7, 8] + [0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18]
            + [0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28] + [0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48]
            + [0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38]
            + [2]
            + [5, 0x77, 0x65, 0x62, 0x2D, 0x61, 2, 2, 0x0A, 0x0B]
            + [1, 0x62, 1, 0, 0x00, 0x64]
        #expect(Array(packet.prefix(expectedBody.count)) == expectedBody)
        #expect(packet.count == expectedBody.count + 32)
        // Computed independently: `openssl dgst -sha256 -mac HMAC -macopt hexkey:4242...42` over the body above.
        let expectedMAC: [UInt8] = [
            0x2F, 0xE6, 0x3C, 0x86, 0x27, 0xB2, 0x6F, 0x7C, 0x5F, 0x9F, 0xE6, 0xFE, 0xB4, 0x3F, 0x84, 0x63,
            0x35, 0x09, 0x18, 0x16, 0x9D, 0x88, 0x0D, 0xA6, 0x65, 0xDD, 0x05, 0xB8, 0x89, 0xB7, 0xD7, 0xDE,
        ]
        #expect(Array(packet.suffix(32)) == expectedMAC)
    }

    /// Flag bits this version does not define are dropped on receipt (a later version may define them), while
    /// the MAC still covers the raw byte.
    @Test func undefinedFlagBitsAreIgnored() throws {
        let keyring = HeartbeatFixtures.keyring(HeartbeatFixtures.key(id: 1, fill: 0x24))
        var heartbeat = HeartbeatFixtures.heartbeat()
        heartbeat.groups[0].flags = HeartbeatFlags(rawValue: 0xF9)  // backendsDown and bits 3...7, none defined
        #expect(heartbeat.groups[0].flags.contains(.backendsDown))
        let received = try Heartbeat.authenticate(heartbeat.signed(with: keyring), keyring: keyring)
        #expect(received.groups[0].flags == .backendsDown)
    }

    /// The group section must be what the version says: a heartbeat carries 1...16 groups with distinct names,
    /// a farewell none; each is refused as malformed otherwise, even with a valid MAC.
    @Test func groupSectionIsChecked() {
        let keyring = HeartbeatFixtures.keyring(HeartbeatFixtures.key(id: 1, fill: 0x31))
        func signed(_ body: [UInt8]) -> [UInt8] { body + Heartbeat.mac(of: body, key: keyring.signingKey) }
        let good = HeartbeatFixtures.heartbeat()
        var body = good.encodedBody()
        let countOffset = 8 + good.nodeName.utf8.count + 40
        #expect(body[countOffset] == 1)
        #expect((try? Heartbeat.authenticate(signed(body), keyring: keyring)) == good)
        // No group in a heartbeat: the entry's bytes then trail the count.
        body[countOffset] = 0
        #expect(throws: HeartbeatRejection.malformed) { try Heartbeat.authenticate(signed(body), keyring: keyring) }
        // A count beyond the entries present.
        body[countOffset] = 2
        #expect(throws: HeartbeatRejection.malformed) { try Heartbeat.authenticate(signed(body), keyring: keyring) }
        // The same name twice.
        var twice = good
        twice.groups.append(twice.groups[0])
        var duplicated = Array(twice.encodedBody().prefix(countOffset)) + [2]
        duplicated += Array(good.encodedBody().dropFirst(countOffset + 1))
        duplicated += Array(good.encodedBody().dropFirst(countOffset + 1))
        #expect(throws: HeartbeatRejection.malformed) {
            try Heartbeat.authenticate(signed(duplicated), keyring: keyring)
        }
        // Seventeen groups.
        var many = Array(good.encodedBody().prefix(countOffset)) + [17]
        for index in 0..<17 { many += [1, UInt8(0x61 + index), 1, 0, 0, 100] }
        #expect(throws: HeartbeatRejection.malformed) { try Heartbeat.authenticate(signed(many), keyring: keyring) }
        // A farewell with a group entry.
        var farewell = good.encodedBody()
        farewell[5] = Heartbeat.Kind.farewell.rawValue
        #expect(throws: HeartbeatRejection.malformed) { try Heartbeat.authenticate(signed(farewell), keyring: keyring) }
        // A farewell without: FAULT, priority 0 in any group.
        let bare = HeartbeatFixtures.heartbeat(sequence: 0, kind: .farewell)
        let parsed = try? Heartbeat.authenticate(bare.signed(with: keyring), keyring: keyring)
        #expect(parsed?.groups == [])
        #expect(parsed?.group(named: "web-a") == Heartbeat.Group(name: "web-a", state: .fault, priority: 0))
    }

    /// Every single-byte mutation is rejected. Mutating every position of 10,000 packets takes too long in a
    /// debug build (about a million HMACs, ~17 s estimated here), so this mutates 10,000 random packets at one
    /// random position each, plus every position of 200 random packets.
    @Test func everySingleByteMutationIsRejected() {
        var generator = SplitMix64(seed: 0x5EED)
        let keyring = HeartbeatFixtures.randomKeyring(using: &generator)
        var survivors: [String] = []
        func check(_ packet: [UInt8], position: Int) {
            var mutated = packet
            mutated[position] ^= UInt8.random(in: 1...255, using: &generator)
            if let heartbeat = try? Heartbeat.authenticate(mutated, keyring: keyring) {
                survivors.append("position \(position): \(heartbeat)")
            }
        }
        for _ in 0..<10_000 {
            let packet = HeartbeatFixtures.randomHeartbeat(using: &generator).signed(with: keyring)
            check(packet, position: Int.random(in: 0..<packet.count, using: &generator))
        }
        for _ in 0..<200 {
            let packet = HeartbeatFixtures.randomHeartbeat(using: &generator).signed(with: keyring)
            for position in 0..<packet.count { check(packet, position: position) }
        }
        #expect(survivors.isEmpty)
    }

    /// Truncated, extended, empty and garbage inputs are typed rejections, never a crash.
    @Test func malformedInputsAreRejected() {
        let keyring = HeartbeatFixtures.keyring(HeartbeatFixtures.key(id: 1, fill: 7))
        let packet = HeartbeatFixtures.heartbeat().signed(with: keyring)
        for length in 0..<packet.count {
            #expect(throws: HeartbeatRejection.self) {
                try Heartbeat.authenticate(Array(packet.prefix(length)), keyring: keyring)
            }
        }
        #expect(throws: HeartbeatRejection.malformed) { try Heartbeat.authenticate(packet + [0], keyring: keyring) }
        var generator = SplitMix64(seed: 3)
        for _ in 0..<2_000 {
            let garbage = (0..<Int.random(in: 0...200, using: &generator)).map { _ in
                UInt8.random(in: 0...255, using: &generator)
            }
            #expect(throws: HeartbeatRejection.self) { try Heartbeat.authenticate(garbage, keyring: keyring) }
        }
        var otherVersion = packet
        otherVersion[4] = 2
        #expect(throws: HeartbeatRejection.unknownVersion) {
            try Heartbeat.authenticate(otherVersion, keyring: keyring)
        }
    }

    /// A packet signed with a different secret under the same id fails the MAC; an unknown id is named as such.
    @Test func wrongKeyIsRejected() {
        let ours = HeartbeatFixtures.keyring(HeartbeatFixtures.key(id: 1, fill: 1))
        let forged = HeartbeatFixtures.heartbeat().signed(
            with: HeartbeatFixtures.keyring(HeartbeatFixtures.key(id: 1, fill: 2))
        )
        #expect(throws: HeartbeatRejection.badMAC) { try Heartbeat.authenticate(forged, keyring: ours) }
        let unknown = HeartbeatFixtures.heartbeat().signed(
            with: HeartbeatFixtures.keyring(HeartbeatFixtures.key(id: 2, fill: 1))
        )
        #expect(throws: HeartbeatRejection.unknownKeyID) { try Heartbeat.authenticate(unknown, keyring: ours) }
    }

    /// Rotation: while both keys are present either verifies; the first key signs; after removal the old fails.
    @Test func keyRotation() throws {
        let old = HeartbeatFixtures.key(id: 1, fill: 0x11)
        let new = HeartbeatFixtures.key(id: 2, fill: 0x22)
        let before = HeartbeatFixtures.keyring(old)
        let during = HeartbeatFixtures.keyring(old, new)
        let after = HeartbeatFixtures.keyring(new, old)
        let finished = HeartbeatFixtures.keyring(new)
        let signedOld = HeartbeatFixtures.heartbeat().signed(with: before)
        let signedNew = HeartbeatFixtures.heartbeat().signed(with: after)
        #expect(signedOld[6] == 1)
        #expect(signedNew[6] == 2)
        #expect(HeartbeatFixtures.heartbeat().signed(with: during)[6] == 1)
        for keyring in [during, after] {
            #expect(try Heartbeat.authenticate(signedOld, keyring: keyring).keyID == 1)
            #expect(try Heartbeat.authenticate(signedNew, keyring: keyring).keyID == 2)
        }
        #expect(throws: HeartbeatRejection.unknownKeyID) { try Heartbeat.authenticate(signedOld, keyring: finished) }
    }
}
