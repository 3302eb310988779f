extension HAEvent {
    /// One timed step of a VIP operation, e.g. `{"step":"netlink-add","ms":0.402,"detail":"added"}`.
    public struct Step: Sendable, Hashable, Codable {
        /// `interface-lookup`, `netlink-add`, `netlink-delete`, `garp`, `unsolicited-na`.
        public var step: String
        /// Its duration in milliseconds.
        public var ms: Double
        /// The outcome or the plan, e.g. `added`, `already-gone`, `3 over 200 ms`.
        public var detail: String?

        /// Creates a step.
        public init(step: String, ms: Double, detail: String? = nil) {
            self.step = step
            self.ms = ms
            self.detail = detail
        }
    }
}
