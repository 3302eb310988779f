import ArgumentParser
import TandemConfig
import TandemHA

#if canImport(Glibc)
import Glibc
#endif

/// `tandem logs`: prints the heartbeat log (`ha.log`) for people — aligned columns, local time, state changes
/// highlighted on a terminal — or its raw JSON lines; optionally follows it across logrotate.
struct LogsCommand: AsyncParsableCommand {
    static let defaultPath = "/var/log/tandem/heartbeat.log"

    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Print the heartbeat log: state changes, peer, VIP steps and summaries.",
        discussion: """
            Reads --file, else the ha.log of --config, else \(defaultPath). Lines that are not valid \
            events are skipped and counted on stderr. Exits 1 when the file cannot be read.

            Examples:
              tandem logs --since 10m
              tandem logs --config /etc/tandem/tandem.yaml --follow
              tandem logs --json --file /var/log/tandem/heartbeat.log
            """
    )

    @Flag(name: .long, help: "Keep printing lines as they are appended (follows logrotate).")
    var follow = false

    @Option(name: .long, help: ArgumentHelp("Only events newer than this age: 30s, 10m, 2h, 1d.", valueName: "age"))
    var since: String?

    @Flag(name: .long, help: "Print the raw JSON lines instead of the table.")
    var json = false

    @Option(name: .long, help: ArgumentHelp("The heartbeat log to read.", valueName: "file"))
    var file: String?

    @Option(name: .long, help: ArgumentHelp("A configuration file whose ha.log names the file.", valueName: "file"))
    var config: String?

    func validate() throws {
        if let since, Duration(logAge: since) == nil {
            throw ValidationError("--since \(since): expected a whole number and a unit, e.g. 30s, 10m, 2h or 1d")
        }
    }

    func run() async throws {
        let path = try logPath()
        let cutoff = since.flatMap { Duration(logAge: $0) }.map { EventTimestamp.now().advanced(by: .zero - $0) }
        let source: EventLogFile
        do {
            source = try EventLogFile(path: path)
        } catch {
            printError("tandem logs: \(error)")
            throw ExitCode.failure
        }
        var reader = HAEventLineReader()
        var lines = reader.feed(source.readAvailable())
        if !follow { lines += reader.finish() }
        lines = lines.filter { line in cutoff.map { line.event.time >= $0 } ?? true }
        let table = HAEventTable(nodes: lines.map(\.event.node), highlight: isatty(1) != 0)
        if !json { Self.printLines([table.header]) }
        printLines(lines, table: table)
        if follow {
            var reported = reader.malformed
            while !Task.isCancelled {
                try await Task.sleep(for: .milliseconds(200))
                var fresh = reader.feed(source.readAvailable())
                if source.followRotation() {
                    fresh += reader.finish() + reader.feed(source.readAvailable())
                }
                printLines(fresh, table: table)
                if reader.malformed > reported {
                    printError("tandem logs: skipped \(reader.malformed - reported) malformed line(s)")
                    reported = reader.malformed
                }
            }
        }
        if reader.malformed > 0 {
            printError("tandem logs: skipped \(reader.malformed) malformed line(s) in \(path)")
        }
    }

    private func logPath() throws -> String {
        if let file { return file }
        guard let config else { return Self.defaultPath }
        do {
            return try ConfigLoader.load(path: config).ha?.logPath ?? Self.defaultPath
        } catch {
            printError(error.description)
            throw ExitCode.failure
        }
    }

    private func printLines(_ lines: [HAEventLineReader.Line], table: HAEventTable) {
        Self.printLines(lines.map { json ? $0.text : table.row($0.event) })
    }

    /// Writes straight to stdout (unbuffered), so `--follow` output appears at once even through a pipe.
    private static func printLines(_ lines: [String]) {
        guard !lines.isEmpty else { return }
        let text = lines.joined(separator: "\n") + "\n"
        var bytes = Array(text.utf8)[...]
        var attempts = 0
        while !bytes.isEmpty, attempts < 1000 {
            attempts += 1
            let written = bytes.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            bytes = bytes.dropFirst(written)
        }
    }
}
