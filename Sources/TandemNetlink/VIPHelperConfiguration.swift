/// How `tandem vip-helper` serves: where, for which VIPs, and how it announces them.
public struct VIPHelperConfiguration: Sendable {
    /// The Unix stream socket path (created with mode 0660).
    public var socketPath: String
    /// Who may use the helper once connected.
    public var access: VIPHelperAccess
    /// The VIP@interface pairs the helper may touch; everything else is refused.
    public var allow: [VIPAllowRule]
    /// Announcements per burst (gratuitous ARPs or neighbour advertisements).
    public var announcementCount: Int
    /// Time between two announcements of one burst.
    public var announcementSpacing: Duration
    /// Time between two bursts while a VIP stays claimed.
    public var refreshInterval: Duration

    /// Creates a configuration; the defaults are 3 announcements 100 ms apart (200 ms in all), refreshed
    /// every 30 s; only root may use the helper unless `access` names more users.
    public init(
        socketPath: String,
        allow: [VIPAllowRule],
        access: VIPHelperAccess = VIPHelperAccess(),
        announcementCount: Int = 3,
        announcementSpacing: Duration = .milliseconds(100),
        refreshInterval: Duration = .seconds(30)
    ) {
        self.socketPath = socketPath
        self.access = access
        self.allow = allow
        self.announcementCount = announcementCount
        self.announcementSpacing = announcementSpacing
        self.refreshInterval = refreshInterval
    }

    /// The rule that permits `binding`, if any.
    public func rule(permitting binding: VIPBinding) -> VIPAllowRule? {
        allow.first { $0.permits(binding.vip, on: binding.interface) }
    }
}
