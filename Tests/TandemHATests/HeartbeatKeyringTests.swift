import Testing

@testable import TandemHA

#if canImport(Glibc)
import Glibc
#endif

@Suite("Heartbeat key files")
struct HeartbeatKeyringTests {
    static let hex32 = String(repeating: "ab", count: 32)

    /// Comments, blank lines, hex and base64 keys parse; the first key signs.
    @Test func parsesCommentsAndFormats() throws {
        let text = """
            # rotation in progress
            2 \(Self.hex32)   # new key signs

            1 base64:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=
            """
        let keyring = try HeartbeatKeyring.parse(text, file: "ha.key")
        #expect(keyring.keys.map(\.id) == [2, 1])
        #expect(keyring.signingKey.secret == [UInt8](repeating: 0xAB, count: 32))
        #expect(keyring.key(id: 1)?.secret == Array(0..<32))
    }

    /// A key under 32 bytes is refused, naming the file and line.
    @Test func shortKeyIsRefused() {
        let text = "# header\n1 " + String(repeating: "ab", count: 31) + "\n"
        #expect {
            try HeartbeatKeyring.parse(text, file: "/etc/tandem/ha.key")
        } throws: { error in
            let error = error as? HeartbeatKeyring.Error
            return error?.code == .shortKey && error?.line == 2
                && error?.description.hasPrefix("/etc/tandem/ha.key:2: key 1 is 31 bytes") == true
        }
    }

    /// Bad ids, duplicate ids, bad digits, extra fields and empty files are refused with their line.
    @Test func syntaxErrors() {
        let cases: [(String, HeartbeatKeyring.Error.Code, Int?)] = [
            ("0 \(Self.hex32)", .badID, 1),
            ("256 \(Self.hex32)", .badID, 1),
            ("1 \(Self.hex32)\n1 \(Self.hex32)", .duplicateID, 2),
            ("1 \(Self.hex32.dropLast())x", .badSecret, 1),
            ("1 \(Self.hex32.dropLast())", .badSecret, 1),
            ("1 base64:!!!!", .badSecret, 1),
            ("1 \(Self.hex32) extra", .syntax, 1),
            ("# only a comment\n\n", .noKeys, nil),
        ]
        for (text, code, line) in cases {
            #expect {
                try HeartbeatKeyring.parse(text, file: "k")
            } throws: { error in
                (error as? HeartbeatKeyring.Error)?.code == code && (error as? HeartbeatKeyring.Error)?.line == line
            }
        }
    }

    /// A generated file parses to one 32-byte key; two generations differ.
    @Test func generate() throws {
        let first = try HeartbeatKeyring.parse(HeartbeatKeyring.generate(), file: "gen")
        let second = try HeartbeatKeyring.parse(HeartbeatKeyring.generate(id: 3), file: "gen")
        #expect(first.keys.count == 1 && first.signingKey.secret.count == 32 && first.signingKey.id == 1)
        #expect(second.signingKey.id == 3)
        #expect(first.signingKey.secret != second.signingKey.secret)
    }

    /// Mode 600 and 640 load; world-readable, world-writable and group-writable files are refused with the fix.
    @Test func filePermissions() throws {
        let path = "/tmp/tandem-ha-key-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { unlink(path) }
        let text = HeartbeatKeyring.generate()
        let descriptor = open(path, O_CREAT | O_EXCL | O_WRONLY, 0o600)
        try #require(descriptor >= 0)
        _ = text.utf8CString.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count - 1) }
        close(descriptor)
        for mode in [0o600, 0o400, 0o640] as [mode_t] {
            chmod(path, mode)
            #expect(try HeartbeatKeyring.load(path: path).keys.count == 1)
        }
        for mode in [0o644, 0o604, 0o602, 0o620] as [mode_t] {
            chmod(path, mode)
            #expect {
                try HeartbeatKeyring.load(path: path)
            } throws: { error in
                let error = error as? HeartbeatKeyring.Error
                return error?.code == .insecurePermissions && error?.description.contains("chmod 600 \(path)") == true
            }
        }
        #expect {
            try HeartbeatKeyring.load(path: path + "-missing")
        } throws: { error in
            (error as? HeartbeatKeyring.Error)?.code == .unreadable
        }
    }
}
