import ArgumentParser
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import TandemConfig
import TandemProxy

/// `tandem run`: the daemon. It serves every frontend until SIGTERM or SIGINT, then drains.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the load balancer daemon.",
        discussion: """
            Serves until SIGTERM or SIGINT, then stops accepting, lets in-flight requests finish
            (up to node.drain_timeout) and exits 0.

            Example:
              tandem run --config /etc/tandem/tandem.yaml
            """
    )

    @Option(name: .long, help: "The configuration file.")
    var config: String

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        let configuration: TandemConfiguration
        do {
            configuration = try ConfigLoader.load(path: config)
        } catch {
            printError(error.description)
            throw ExitCode.failure
        }
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: "tandem")
        logger[metadataKey: "node"] = "\(configuration.node.name)"

        let group = MultiThreadedEventLoopGroup(numberOfThreads: configuration.node.threads)
        let proxy = try ProxyServer(configuration: configuration, group: group, logger: logger)
        do {
            try await proxy.start()
        } catch {
            printError("tandem: cannot start: \(error)")
            try? await group.shutdownGracefully()
            throw ExitCode.failure
        }
        let services = ServiceGroup(
            configuration: .init(
                services: [.init(service: proxy)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await services.run()
        try await group.shutdownGracefully()
        logger.info("stopped")
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
