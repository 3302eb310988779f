import Testing

@testable import TandemNetlink

@Suite struct AnnouncementFrameTests {
    let mac: [UInt8] = [0x02, 0x42, 0xC6, 0x12, 0x00, 0x01]

    /// The gratuitous ARP: broadcast Ethernet header, ARP request with sender IP = target IP = VIP, zero
    /// target MAC, padded with zeros to 60 bytes.
    @Test func gratuitousARPFrame() {
        let frame = GratuitousARP.frame(address: [198, 18, 0, 100], hardwareAddress: mac)
        let expected: [UInt8] =
            [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF] + mac + [0x08, 0x06]
            + [0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01]
            + mac + [198, 18, 0, 100]
            + [0, 0, 0, 0, 0, 0] + [198, 18, 0, 100]
            + [UInt8](repeating: 0, count: 18)
        #expect(frame == expected)
        #expect(frame.count == 60)
    }

    /// The unsolicited NA: type 136, checksum left to the kernel, Override only, the target, then the
    /// Target Link-Layer Address option (type 2, one 8-byte unit).
    @Test func unsolicitedNeighbourAdvertisement() {
        let target: [UInt8] = [0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00]
        let message = UnsolicitedNA.message(target: target, hardwareAddress: mac)
        let expected: [UInt8] = [136, 0, 0, 0, 0x20, 0, 0, 0] + target + [2, 1] + mac
        #expect(message == expected)
        #expect(message.count == 32)
    }
}
