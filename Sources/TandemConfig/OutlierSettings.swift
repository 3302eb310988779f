/// Passive outlier detection (`backends[].outlier`): a server failing `consecutiveFailures` real requests in a
/// row is ejected for `baseEjection`, doubling per repeat up to `maxEjection`. On unless disabled.
public struct OutlierSettings: Sendable, Equatable {
    public var isEnabled: Bool
    public var consecutiveFailures: Int
    public var baseEjection: Duration
    public var maxEjection: Duration
    /// Never eject more than this share of a backend's servers, 0...100.
    public var maxEjectedPercent: Int

    public init(
        isEnabled: Bool = true,
        consecutiveFailures: Int = 5,
        baseEjection: Duration = .seconds(30),
        maxEjection: Duration = .seconds(300),
        maxEjectedPercent: Int = 50
    ) {
        self.isEnabled = isEnabled
        self.consecutiveFailures = consecutiveFailures
        self.baseEjection = baseEjection
        self.maxEjection = maxEjection
        self.maxEjectedPercent = maxEjectedPercent
    }
}
