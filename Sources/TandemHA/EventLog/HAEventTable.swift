/// Formats heartbeat-log events as aligned text rows for `tandem logs`: local time, node, event, details.
///
/// Columns are fixed-width (the node column is as wide as the longest node name given), so rows printed one by
/// one while following a file stay aligned. With `highlight` (only when stdout is a terminal) state transitions
/// are bold and coloured by the new state: ACTIVE green, STANDBY/INITIAL yellow, FAULT red; peer_dead and
/// failed VIP operations red.
public struct HAEventTable: Sendable {
    /// Width of the node column.
    public var nodeWidth: Int
    /// Whether to add ANSI colours.
    public var highlight: Bool

    static let eventWidth = HAEvent.Kind.allCases.map(\.rawValue.count).max() ?? 12

    /// - Parameters:
    ///   - nodes: the node names expected (the column fits the longest, at least 8 wide, so that rows
    ///     followed later usually still align).
    ///   - highlight: ANSI colours; pass `isatty(1) != 0`.
    public init(nodes: some Sequence<String>, highlight: Bool) {
        self.nodeWidth = nodes.reduce(8) { max($0, $1.count) }
        self.highlight = highlight
    }

    /// The header row.
    public var header: String {
        [Self.pad("TIME", 23), Self.pad("NODE", nodeWidth), Self.pad("EVENT", Self.eventWidth), "DETAILS"]
            .joined(separator: "  ")
    }

    /// One row: `2026-11-23 19:03:23.123  lb-b  transition    STANDBY -> ACTIVE: peer dead: ...`.
    public func row(_ event: HAEvent) -> String {
        let text = [
            event.time.localDescription, Self.pad(event.node, nodeWidth),
            Self.pad(event.event.rawValue, Self.eventWidth), event.groupPrefix + event.details,
        ].joined(separator: "  ")
        guard highlight, let colour = Self.colour(of: event) else { return text }
        return "\u{1B}[\(colour)m\(text)\u{1B}[0m"
    }

    /// The SGR parameters for a highlighted event, nil for plain ones.
    static func colour(of event: HAEvent) -> String? {
        switch event.event {
        case .transition:
            switch event.to {
            case "ACTIVE": return "1;32"
            case "FAULT": return "1;31"
            default: return "1;33"
            }
        case .peerDead:
            return "31"
        case .vipClaim, .vipRelease, .vipAnnounce, .vipFault, .keysReloaded:
            return event.ok == false ? "31" : nil
        case .untrustedPeer, .paused:
            return "1;31"
        case .reconcile:
            return "33"
        case .groupsDiffer:
            return event.ok == true ? nil : "1;31"
        case .started, .stopped, .peerAlive, .rejected, .summary:
            return nil
        }
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
