/// The release this binary is, shown by `tandem --version` and in the install log. Raised with each release
/// (semantic versioning: the config keys, the admin protocol and the heartbeat wire format are the interface).
enum TandemVersion {
    static let current = "0.6.0"
}
