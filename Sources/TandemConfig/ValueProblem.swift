/// Why a single scalar value was rejected; the decoder adds the file, line and key path.
struct ValueProblem: Error, Sendable, Equatable {
    let message: String

    init(_ message: String) {
        self.message = message
    }
}
