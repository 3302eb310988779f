extension HASettings {
    /// One `ha.track` item.
    public enum Track: Sendable, Equatable {
        /// A node that cannot reach this gateway goes to FAULT and releases the VIPs.
        case gateway(GatewayTrack)
        /// `penalty` is subtracted from the priority while no backend has a server up.
        case backends(penalty: Int)
    }
}
