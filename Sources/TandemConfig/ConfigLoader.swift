import Yams

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns a config file into a validated `TandemConfiguration`, or into every problem it has.
public enum ConfigLoader {
    /// Reads and validates a config file. Throws ConfigErrorList with every problem found.
    public static func load(path: String) throws(ConfigErrorList) -> TandemConfiguration {
        let text: String
        do {
            text = try readFile(path)
        } catch {
            throw ConfigErrorList(errors: [ConfigError(file: path, line: nil, keyPath: "", message: error.message)])
        }
        return try parse(yaml: text, file: path)
    }

    /// Parses and validates YAML text; `file` is used in error messages only.
    public static func parse(yaml: String, file: String) throws(ConfigErrorList) -> TandemConfiguration {
        let root: Node
        switch YAMLComposer.compose(yaml) {
        case .syntaxError(let line, let message):
            throw ConfigErrorList(errors: [ConfigError(file: file, line: line, keyPath: "", message: message)])
        case .document(nil):
            let message = "the file is empty; node, frontends and backends are required"
            throw ConfigErrorList(errors: [ConfigError(file: file, line: nil, keyPath: "", message: message)])
        case .document(let node?):
            root = node
        }
        let decoder = ConfigDecoder(file: file)
        let configuration = decoder.decodeConfiguration(root)
        guard let configuration, decoder.errors.isEmpty else {
            throw ConfigErrorList(errors: decoder.sortedErrors)
        }
        return configuration
    }

    /// The whole file as UTF-8 text, with the system's reason when it cannot be read.
    private static func readFile(_ path: String) throws(ValueProblem) -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw ValueProblem("cannot open: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        // A config file is small; the cap stops a mistaken path (a device, a huge log) from eating memory.
        let maximumBytes = 16 << 20
        while bytes.count <= maximumBytes {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR {
                    continue
                }
                throw ValueProblem("cannot read: \(String(cString: strerror(errno)))")
            }
            if count == 0 {
                return String(decoding: bytes, as: UTF8.self)
            }
            bytes.append(contentsOf: chunk[0..<count])
        }
        throw ValueProblem("file is larger than \(maximumBytes >> 20) MiB")
    }
}
