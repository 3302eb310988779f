#if canImport(Glibc)
import Glibc
#endif

/// Writes one line to standard error (messages for people, kept apart from parseable output).
func printError(_ line: String) {
    var text = line
    if !text.hasSuffix("\n") { text += "\n" }
    text.utf8CString.withUnsafeBufferPointer { bytes in
        _ = write(2, bytes.baseAddress, bytes.count - 1)
    }
}
