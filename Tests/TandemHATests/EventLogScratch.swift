#if canImport(Glibc)
import Glibc
#endif

/// A fresh directory under /tmp for one test's files, removed with everything in it by ``remove()``.
struct EventLogScratch {
    let path: String

    init() {
        var template = Array("/tmp/tandem-eventlog-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(created != nil, "mkdtemp failed")
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func file(_ name: String) -> String {
        "\(path)/\(name)"
    }

    /// The file's content, "" when it does not exist.
    func read(_ name: String) -> String {
        let descriptor = open(file(name), O_RDONLY)
        guard descriptor >= 0 else { return "" }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<10_000 {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            bytes += chunk[..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `text` to the file (creating it), as another writer would.
    func append(_ text: String, to name: String) {
        let descriptor = open(file(name), O_WRONLY | O_APPEND | O_CREAT, 0o644)
        precondition(descriptor >= 0, "cannot open \(name)")
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    }

    func rename(_ from: String, to: String) {
        precondition(Glibc.rename(file(from), file(to)) == 0, "rename failed")
    }

    func remove() {
        guard let directory = opendir(path) else { return }
        var entries = 0
        while let entry = readdir(directory), entries < 10_000 {
            entries += 1
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { unlink(file(name)) }
        }
        closedir(directory)
        rmdir(path)
    }
}
