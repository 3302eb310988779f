import Testing

@testable import TandemProxy

@Suite("RouteTable")
struct RouteTableTests {
    /// api.example.com → 1, /static/ → 2, api.example.com + /v2/ → 3 (shadowed by the first), default 0.
    let table = RouteTable(
        routes: [
            .init(host: "api.example.com", pathPrefix: nil, backend: 1),
            .init(host: nil, pathPrefix: "/static/", backend: 2),
            .init(host: "api.example.com", pathPrefix: "/v2/", backend: 3),
        ],
        defaultBackend: 0
    )

    @Test func hostMatchesCaseInsensitivelyWithPortIgnored() {
        #expect(table.backend(host: "api.example.com", target: "/") == 1)
        #expect(table.backend(host: "API.Example.COM", target: "/") == 1)
        #expect(table.backend(host: "api.example.com:8080", target: "/") == 1)
        #expect(table.backend(host: "Api.Example.Com.:443", target: "/x") == 1)
    }

    @Test func routeHostWrittenWithCaseAndPortStillMatches() {
        let table = RouteTable(
            routes: [.init(host: "API.example.com:80", pathPrefix: nil, backend: 4)], defaultBackend: 0)
        #expect(table.backend(host: "api.example.com", target: "/") == 4)
    }

    @Test func otherHostsDoNotMatch() {
        #expect(table.backend(host: "www.example.com", target: "/") == 0)
        #expect(table.backend(host: "api.example.com.evil", target: "/") == 0)
        #expect(table.backend(host: "xapi.example.com", target: "/") == 0)
        #expect(table.backend(host: nil, target: "/") == 0)
    }

    @Test func pathPrefixMatchesFromTheStartOnly() {
        #expect(table.backend(host: "www.example.com", target: "/static/app.js") == 2)
        #expect(table.backend(host: "www.example.com", target: "/static/") == 2)
        #expect(table.backend(host: "www.example.com", target: "/static") == 0)
        #expect(table.backend(host: "www.example.com", target: "/x/static/a") == 0)
        #expect(table.backend(host: nil, target: "/static/a?q=1") == 2)
    }

    @Test func firstMatchWins() {
        // Route 3 would match too, but route 1 comes first.
        #expect(table.backend(host: "api.example.com", target: "/v2/users") == 1)
        // Route 1 comes before the path route for the API host.
        #expect(table.backend(host: "api.example.com", target: "/static/a") == 1)
    }

    @Test func hostAndPathMustBothMatch() {
        let table = RouteTable(
            routes: [.init(host: "api.example.com", pathPrefix: "/v1/", backend: 1)],
            defaultBackend: 0
        )
        #expect(table.backend(host: "api.example.com", target: "/v1/x") == 1)
        #expect(table.backend(host: "api.example.com", target: "/v2/x") == 0)
        #expect(table.backend(host: "web.example.com", target: "/v1/x") == 0)
    }

    @Test func noRoutesGivesTheDefault() {
        let table = RouteTable(routes: [], defaultBackend: 7)
        #expect(table.backend(host: "anything", target: "/anything") == 7)
    }

    @Test func absoluteFormTargetsRouteByTheirPath() {
        #expect(table.backend(host: "www.example.com", target: "http://www.example.com/static/a.css") == 2)
        #expect(table.backend(host: "www.example.com", target: "http://www.example.com:8080/static/a") == 2)
        #expect(table.backend(host: "www.example.com", target: "http://www.example.com/other") == 0)
        #expect(RouteTable.path(of: "http://host.example") == "/")
        #expect(RouteTable.path(of: "https://host.example:8443/a/b?c") == "/a/b?c")
        #expect(RouteTable.path(of: "/plain") == "/plain")
    }

    @Test func hostNormalization() {
        #expect(RouteTable.normalizedHost("Example.COM:80") == "example.com")
        #expect(RouteTable.normalizedHost("example.com.") == "example.com")
        #expect(RouteTable.normalizedHost("[::1]:8080") == "[::1]")
        #expect(RouteTable.normalizedHost("[::1]") == "[::1]")
        #expect(RouteTable.normalizedHost("127.0.0.1:80") == "127.0.0.1")
    }
}
