import Testing

@testable import TandemBalancing

@Suite struct PersistenceCookieTests {
    /// The value is pinned: it must never change between builds, or a failover would break sessions.
    @Test func valueIsPinned() {
        #expect(PersistenceCookie.value(backend: "web", server: "app-1") == Self.pinnedValue)
        #expect(
            PersistenceCookie.value(backend: "web", server: "app-1")
                != PersistenceCookie.value(backend: "we", server: "bapp-1")
        )
    }

    static let pinnedValue = "73848227db8ff569"

    /// Our cookie is taken out of a header with several cookies; the others stay in order.
    @Test func extractsFromSeveralCookies() {
        let result = PersistenceCookie.extract(name: "TANDEM", from: "a=1; TANDEM=abc123;b=2;  c=x=y")
        #expect(result.value == "abc123")
        #expect(result.remaining == "a=1; b=2; c=x=y")
    }

    /// Only our cookie: nothing remains.
    @Test func onlyOurCookie() {
        let result = PersistenceCookie.extract(name: "TANDEM", from: " TANDEM=\"abc\" ")
        #expect(result.value == "abc")
        #expect(result.remaining == nil)
    }

    /// Absent: no value, header untouched; names are matched exactly (case and prefix).
    @Test func absentOrSimilarNames() {
        let header = "TANDEMX=1; tandem=2; XTANDEM=3"
        let result = PersistenceCookie.extract(name: "TANDEM", from: header)
        #expect(result.value == nil)
        #expect(result.remaining == header)
        #expect(PersistenceCookie.extract(name: "TANDEM", from: "  ").remaining == nil)
    }

    /// Duplicates: the first value wins and every copy is removed; an empty value is a value.
    @Test func duplicatesAndEmptyValue() {
        let result = PersistenceCookie.extract(name: "S", from: "S=first; k=v; S=second")
        #expect(result.value == "first")
        #expect(result.remaining == "k=v")
        let empty = PersistenceCookie.extract(name: "S", from: "S=; k=v")
        #expect(empty.value == "")
        #expect(empty.remaining == "k=v")
    }

    /// Set-Cookie: path, HttpOnly, and Secure only when asked.
    @Test func setCookieHeader() {
        #expect(PersistenceCookie.setCookieHeader(name: "S", value: "ab", secure: false) == "S=ab; Path=/; HttpOnly")
        #expect(
            PersistenceCookie.setCookieHeader(name: "S", value: "ab", secure: true) == "S=ab; Path=/; HttpOnly; Secure"
        )
    }
}
