/// A failure setting up or inspecting the namespace lab.
struct LabError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
