import Testing

@Suite("Client timeouts", .timeLimit(.minutes(1)))
struct ClientTimeoutTests {
    @Test func slowlorisIsCutOffAtTheHeaderTimeoutWhileOthersAreServed() async throws {
        let backend = try await TestBackend(name: "app")
        let proxy = try await TestProxy.start(
            backends: [BackendSpec(ports: [backend.port])],
            frontend: ["timeouts: { header: 1s }"]
        )
        let slow = try await proxy.connect()
        let started = ContinuousClock.now
        // One byte every 200 ms: the pace is the behaviour under test, not a wait for an event.
        let channel = slow.channel
        let trickle = Task {
            let head = "GET / HTTP/1.1\r\nHost: test.local\r\nX-Slow: " + String(repeating: "s", count: 40)
            for character in head {
                let byte = channel.allocator.buffer(string: String(character))
                guard (try? await channel.writeAndFlush(byte).get()) != nil else { return }
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        let normal = try await proxy.connect()
        for _ in 0..<3 {
            #expect(try await normal.get().status == 200)
        }
        let (bytes, closed) = await slow.readUntilClose(timeout: .seconds(4))
        let elapsed = ContinuousClock.now - started
        trickle.cancel()
        #expect(closed)
        #expect(elapsed >= .milliseconds(900))
        #expect(elapsed < .seconds(3))
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 408"))
        #expect(text.lowercased().contains("connection: close"))
        #expect(backend.requests.count == 3)
        // The normal client's connection outlived the slow one.
        #expect(try await normal.get().status == 200)
        await normal.close()
        await slow.close()
        await proxy.stop()
        await backend.close()
    }

    @Test func idleKeepAliveClientIsClosed() async throws {
        let backend = try await TestBackend(name: "app")
        let proxy = try await TestProxy.start(
            backends: [BackendSpec(ports: [backend.port])],
            frontend: ["timeouts: { keepalive: 300ms }"]
        )
        let client = try await proxy.connect()
        #expect(try await client.get().status == 200)
        let idleSince = ContinuousClock.now
        let (bytes, closed) = await client.readUntilClose(timeout: .seconds(3))
        let idle = ContinuousClock.now - idleSince
        #expect(closed)
        #expect(bytes.isEmpty, "an idle close is silent")
        // The timer starts when the proxy writes the response, before this client reads it: allow for delivery.
        #expect(idle >= .milliseconds(150))
        #expect(idle < .seconds(2))
        await client.close()
        await proxy.stop()
        await backend.close()
    }

    @Test func aNewConnectionThatSendsNothingIsClosedAtTheKeepAliveTimeout() async throws {
        let backend = try await TestBackend(name: "app")
        let proxy = try await TestProxy.start(
            backends: [BackendSpec(ports: [backend.port])],
            frontend: ["timeouts: { keepalive: 300ms }"]
        )
        let client = try await proxy.connect()
        #expect(await client.waitForClose(timeout: .seconds(3)))
        await client.close()
        await proxy.stop()
        await backend.close()
    }
}
