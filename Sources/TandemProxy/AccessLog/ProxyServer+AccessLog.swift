extension ProxyServer {
    /// Reopens every frontend's access log (SIGHUP, after logrotate renamed the files); returns at once.
    public func reopenAccessLogs() {
        for frontend in frontends { frontend.accessLog?.reopen() }
    }

    /// What each access log wrote, dropped and lost so far, by frontend, for status and metrics.
    public func accessLogStatistics() -> [(frontend: String, statistics: AccessLog.Statistics)] {
        frontends.compactMap { frontend in frontend.accessLog.map { (frontend.name, $0.statistics) } }
    }
}
