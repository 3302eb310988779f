extension StatusPage {
    /// The page for people: one self-contained HTML document (inline CSS, no script, no external asset) that
    /// reloads itself every `refreshSeconds`. Node state first and largest, then who holds each VIP, then the
    /// frontends, the backends with their servers, and the newest state changes.
    public func html(refreshSeconds: Int = 2) -> String {
        var body = ""
        body += "<header><h1>\(Self.escape(node))</h1>"
        if let ha {
            body += "<span class=\"state \(ha.state.lowercased())\">\(Self.escape(ha.state))</span>"
            body += "<p class=\"reason\">\(Self.escape(ha.reason))</p>"
            if let warning = ha.warning { body += "<p class=\"warning\">\(Self.escape(warning))</p>" }
        } else {
            body += "<span class=\"state single\">SINGLE NODE</span>"
        }
        body +=
            "<p class=\"meta\">up \(Self.duration(uptimeSeconds)) · generated \(Self.escape(generatedAt))</p></header>"
        if let ha { body += pairSection(ha) }
        body += frontendSection()
        body += backendSection()
        if !transitions.isEmpty { body += transitionSection() }
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta http-equiv="refresh" content="\(refreshSeconds)">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Tandem \(Self.escape(node)): \(Self.escape(ha?.state ?? "single node"))</title>
            <style>\(Self.style)</style></head>
            <body>\(body)</body></html>
            """
    }

    private func pairSection(_ ha: HAStatusReport) -> String {
        var rows = ""
        if let peer = ha.peer {
            let alive = peer.alive ? "" : " (dead)"
            rows += "<tr><th>peer</th><td><span class=\"state small \(peer.state.lowercased())\">"
            rows += "\(Self.escape(peer.state))</span> \(Self.escape(peer.name))\(alive), priority \(peer.priority), "
            rows += "heard \(Self.milliseconds(peer.lastHeardMs)) ago</td></tr>"
        } else {
            rows += "<tr><th>peer</th><td>never heard</td></tr>"
        }
        rows += "<tr><th>priority</th><td>\(ha.effectivePriority) (configured \(ha.configuredPriority))</td></tr>"
        if let median = ha.rttMedianMs, let p99 = ha.rttP99Ms {
            rows +=
                "<tr><th>heartbeat RTT</th><td>median \(Self.milliseconds(median)), p99 \(Self.milliseconds(p99))</td></tr>"
        }
        if let skew = ha.clockSkewMs {
            let direction = skew >= 0 ? "ahead" : "behind"
            rows +=
                "<tr><th>clock skew</th><td>peer \(Self.milliseconds(abs(skew))) \(direction) (shown only)</td></tr>"
        }
        rows += "<tr><th>heartbeats</th><td>\(ha.accepted) accepted, \(ha.rejectedTotal) rejected</td></tr>"
        let tracks = ha.failingTracks.isEmpty ? "all ok" : "failing: " + ha.failingTracks.joined(separator: ", ")
        rows += "<tr><th>tracks</th><td>\(Self.escape(tracks))</td></tr>"
        if ha.declaresGroups == true {
            for group in ha.groups ?? [] {
                rows += "<tr><th>group \(Self.escape(group.name))</th><td><span class=\"state small "
                rows += "\(group.state.lowercased())\">\(Self.escape(group.state))</span> priority "
                rows += "\(group.effectivePriority), peer \(Self.escape(group.peerState ?? "unknown")): "
                rows += "\(Self.escape(group.reason))</td></tr>"
            }
        }
        for vip in ha.vips {
            let holder = vip.holder.map { $0 == node ? "\($0) (this node)" : $0 } ?? "nobody known"
            let group = ha.declaresGroups == true ? vip.group.map { " (group \($0))" } ?? "" : ""
            rows += "<tr><th>VIP \(Self.escape(vip.address))</th><td>on \(Self.escape(vip.interface + group)): held by "
            rows += "<b>\(Self.escape(holder))</b></td></tr>"
        }
        return "<section><h2>Pair</h2><table class=\"facts\">\(rows)</table></section>"
    }

    private func frontendSection() -> String {
        var rows = ""
        for frontend in frontends {
            let mode = frontend.mode + (frontend.tls ? " + TLS" : "")
            rows += "<tr><td>\(Self.escape(frontend.name))</td><td>\(Self.escape(frontend.bind))</td>"
            rows += "<td>\(Self.escape(mode))</td><td>\(frontend.currentConnections)</td>"
            rows += "<td>\(frontend.totalConnections)</td></tr>"
        }
        return """
            <section><h2>Frontends</h2><table><tr><th>name</th><th>bind</th><th>mode</th><th>open</th>\
            <th>accepted</th></tr>\(rows)</table></section>
            """
    }

    private func backendSection() -> String {
        var html = "<section><h2>Backends</h2>"
        for backend in backends {
            let up = backend.servers.filter { $0.health == "up" }.count
            html += "<h3>\(Self.escape(backend.name)) <small>\(up)/\(backend.servers.count) up"
            html += backend.queued > 0 ? ", \(backend.queued) queued" : ""
            html += "</small></h3><table><tr><th>server</th><th>address</th><th>health</th><th>admin</th>"
            html += "<th>weight</th><th>in flight</th><th>ejected</th><th>last check</th></tr>"
            for server in backend.servers {
                let rowClass =
                    server.health != "up" || server.ejected ? "down" : (server.admin != "enabled" ? "admin" : "up")
                html += "<tr class=\"\(rowClass)\"><td>\(Self.escape(server.name))</td>"
                html += "<td>\(Self.escape(server.address))</td><td>\(Self.escape(server.health))</td>"
                html += "<td>\(Self.escape(server.admin))</td><td>\(server.weight)</td><td>\(server.inFlight)</td>"
                html += "<td>\(server.ejected ? "yes" : "no")</td><td>\(Self.escape(server.lastCheck ?? "–"))</td></tr>"
            }
            html += "</table>"
        }
        return html + "</section>"
    }

    private func transitionSection() -> String {
        var rows = ""
        for transition in transitions {
            let group = transition.group.map { "\(Self.escape($0)): " } ?? ""
            rows += "<tr><td>\(Self.escape(transition.time))</td><td>\(group)\(Self.escape(transition.from)) → "
            rows += "<b>\(Self.escape(transition.to))</b></td><td>\(Self.escape(transition.reason))</td></tr>"
        }
        return """
            <section><h2>Last state changes</h2><table><tr><th>time (UTC)</th><th>change</th><th>why</th></tr>\
            \(rows)</table></section>
            """
    }

    /// Escapes text for HTML element content and attribute values.
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    static func milliseconds(_ value: Double) -> String {
        NodeStatusReport.milliseconds(value)
    }

    static func duration(_ seconds: Double) -> String {
        NodeStatusReport.uptime(seconds)
    }

    static let style = """
        body{font:15px/1.4 system-ui,sans-serif;margin:1.5em auto;max-width:1100px;padding:0 1em;color:#1d2330}\
        header h1{display:inline;margin-right:.5em;font-size:1.8em}\
        .state{display:inline-block;padding:.15em .6em;border-radius:.3em;font-weight:700;color:#fff;background:#777}\
        .state.small{font-size:.8em;padding:0 .4em}.active{background:#1a7f37}.standby{background:#9a6700}\
        .fault{background:#cf222e}.initial{background:#57606a}.single{background:#0969da}\
        .reason{margin:.4em 0;font-size:1.1em}.warning{background:#ffebe9;border-left:4px solid #cf222e;padding:.4em}\
        .meta{color:#57606a;font-size:.85em}h2{border-bottom:1px solid #d0d7de;margin-top:1.4em}\
        table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.25em .6em;border-bottom:1px solid #eaeef2}\
        .facts th{width:14em}tr.down td{background:#ffebe9}tr.admin td{background:#fff8c5}small{color:#57606a}
        """
}
