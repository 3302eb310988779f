import Foundation

/// Runs a command-line tool (openssl, curl, testssl) to completion with a deadline, as a real client would.
struct ExternalCommand {
    struct Result {
        var status: Int32
        var output: String
        var standardOutput: Data
    }

    /// Runs `executable` with `arguments`, feeding `input` (a file path) on standard input; kills it after
    /// `timeout`.
    static func run(
        _ executable: String,
        _ arguments: [String],
        inputFile: String? = nil,
        outputFile: String? = nil,
        timeout: Duration = .seconds(30)
    ) async throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["NO_PROXY"] = "*"
        environment.removeValue(forKey: "https_proxy")
        environment.removeValue(forKey: "HTTPS_PROXY")
        environment.removeValue(forKey: "http_proxy")
        process.environment = environment
        let outputPipe = Pipe()
        let errorPipe = Pipe()
        if let outputFile {
            _ = FileManager.default.createFile(atPath: outputFile, contents: nil)
            process.standardOutput = FileHandle(forWritingAtPath: outputFile)
        } else {
            process.standardOutput = outputPipe
        }
        process.standardError = errorPipe
        if let inputFile {
            process.standardInput = FileHandle(forReadingAtPath: inputFile)
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
        let watchdog = Task.detached {
            try await Task.sleep(for: timeout)
            if process.isRunning {
                process.terminate()
            }
        }
        async let standardOutput = blocking {
            outputFile == nil ? outputPipe.fileHandleForReading.readDataToEndOfFile() : Data()
        }
        async let standardError = blocking { errorPipe.fileHandleForReading.readDataToEndOfFile() }
        let (output, error) = try await (standardOutput, standardError)
        try await blocking { process.waitUntilExit() }
        watchdog.cancel()
        return Result(
            status: process.terminationStatus,
            output: String(decoding: output, as: UTF8.self) + String(decoding: error, as: UTF8.self),
            standardOutput: output
        )
    }
}
