import ServiceLifecycle
import TandemHA

/// Runs a ``HeartbeatService`` as a `Service`: on graceful shutdown its run is cancelled, which makes an
/// ACTIVE node release its VIPs and send a FAULT heartbeat so the peer claims at once.
struct HeartbeatLifecycle: Service {
    let heartbeat: HeartbeatService

    func run() async throws {
        try await cancelWhenGracefulShutdown { [heartbeat] in
            try await heartbeat.run()
        }
    }
}
