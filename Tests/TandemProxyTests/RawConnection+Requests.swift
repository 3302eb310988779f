extension RawConnection {
    /// Sends a bodiless GET and reads its response.
    func get(
        _ path: String = "/",
        host: String = "test.local",
        extraHeaders: [String] = [],
        timeout: Duration = .seconds(5)
    ) async throws -> RawResponse {
        var request = "GET \(path) HTTP/1.1\r\nHost: \(host)\r\n"
        for header in extraHeaders { request += header + "\r\n" }
        try await send(request + "\r\n")
        return try await readResponse(timeout: timeout)
    }
}
