#if canImport(Glibc)
import Glibc
#endif

/// A local user as an operator names it and as the kernel reports it: the name for configuration and
/// messages, the uid for decisions.
public struct UserAccount: Sendable, Equatable, CustomStringConvertible {
    /// The login name.
    public var name: String
    /// The user id.
    public var uid: UInt32

    public init(name: String, uid: UInt32) {
        self.name = name
        self.uid = uid
    }

    /// `tandem (uid 998)`.
    public var description: String {
        "\(name) (uid \(uid))"
    }

    /// The user called `name` in the user database, or nil when there is none.
    public static func named(_ name: String) -> UserAccount? {
        lookUp { getpwnam_r(name, &$0, $1, $2, &$3) }
    }

    /// The user with id `uid`, or nil when no user has it.
    public static func withUID(_ uid: UInt32) -> UserAccount? {
        lookUp { getpwuid_r(uid, &$0, $1, $2, &$3) }
    }

    /// `uid 1001 (alice)`, or `uid 1001` when `name` is nil: how a peer is named in a refusal.
    public static func describe(uid: UInt32, name: String?) -> String {
        name.map { "uid \(uid) (\($0))" } ?? "uid \(uid)"
    }

    /// Runs a `getpw*_r` call, growing its buffer while it reports ERANGE.
    private static func lookUp(
        _ call: (inout passwd, UnsafeMutablePointer<CChar>, Int, inout UnsafeMutablePointer<passwd>?) -> Int32
    ) -> UserAccount? {
        var size = 1024
        while size <= 1 << 20 {
            var entry = passwd()
            var result: UnsafeMutablePointer<passwd>?
            let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: size)
            defer { buffer.deallocate() }
            let status = call(&entry, buffer, size, &result)
            if status == ERANGE {
                size *= 2
                continue
            }
            guard status == 0, result != nil, let name = entry.pw_name else { return nil }
            return UserAccount(name: String(cString: name), uid: entry.pw_uid)
        }
        return nil
    }
}
