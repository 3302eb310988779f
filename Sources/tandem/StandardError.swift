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

/// Writes one line to standard output at once, unbuffered: `tandem probe --lines` lines reach a pipe or a file as
/// the probes complete, whole.
func writeStandardOutput(_ line: String) {
    var text = line
    if !text.hasSuffix("\n") { text += "\n" }
    text.utf8CString.withUnsafeBufferPointer { bytes in
        var offset = 0
        let count = bytes.count - 1
        while offset < count {
            let written = write(1, bytes.baseAddress! + offset, count - offset)
            if written <= 0 { return }
            offset += written
        }
    }
}
