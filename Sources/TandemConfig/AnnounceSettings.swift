/// How a claimed VIP is announced (`ha.announce`): `count` gratuitous ARPs / unsolicited NAs `spacing` apart,
/// repeated every `refresh` while active so that switches and neighbours never forget the owner.
public struct AnnounceSettings: Sendable, Equatable {
    /// 1...20 announcements per claim.
    public var count: Int
    public var spacing: Duration
    public var refresh: Duration

    public init(count: Int = 3, spacing: Duration = .milliseconds(100), refresh: Duration = .seconds(30)) {
        self.count = count
        self.spacing = spacing
        self.refresh = refresh
    }
}
