import Yams

extension ConfigDecoder {
    /// `log: { file: PATH, format: text | json }`: an absolute path (the daemon's working directory is no place to
    /// look for it), the format text by default.
    func decodeAccessLog(_ node: Node, _ path: ConfigPath) -> AccessLogSettings? {
        guard let fields = open(node, at: path, keys: ["file", "format"]) else {
            return nil
        }
        let file = required(fields, "file") { node, path -> String? in
            guard let file = self.path(node, path) else {
                return nil
            }
            guard file.hasPrefix("/") else {
                self.report(path, at: node, "must be an absolute path, got \"\(file)\"")
                return nil
            }
            guard !file.hasSuffix("/") else {
                self.report(path, at: node, "must name a file, not a directory: \"\(file)\"")
                return nil
            }
            return file
        }
        let format = optional(fields, "format", default: .text, choice(AccessLogSettings.Format.self))
        guard let file else {
            return nil
        }
        return AccessLogSettings(path: file, format: format)
    }
}
