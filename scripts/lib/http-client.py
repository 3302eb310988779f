#!/usr/bin/env python3
"""A bounded HTTP client load for the end-to-end checks; prints one JSON summary line.

  http-client.py keepalive URL SECONDS   one keep-alive connection, GET in a loop; a request that fails
                                         (reset, closed, timeout) is retried on a new connection, up to
                                         5 times within 3 s, as browsers and HTTP libraries retry
                                         idempotent requests. Reports requests ok, lost, reconnects.

It counts what a retrying client loses, not the outage: outages are measured by `tandem probe`.
"""
import http.client, json, sys, time, urllib.parse


def keepalive(url, seconds):
    parts = urllib.parse.urlsplit(url)
    deadline = time.monotonic() + seconds
    ok = lost = reconnects = retries = 0
    connection = None
    while time.monotonic() < deadline and ok + lost < 100000:
        attempts, started = 0, time.monotonic()
        while True:
            attempts += 1
            try:
                if connection is None:
                    connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=1)
                    reconnects += 1
                connection.request("GET", parts.path or "/")
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    raise RuntimeError("status %d" % response.status)
                if response.getheader("connection", "").lower() == "close":
                    connection.close()
                    connection = None
                ok += 1
                break
            except Exception:
                if connection is not None:
                    connection.close()
                connection = None
                if attempts >= 5 or time.monotonic() - started > 3:
                    lost += 1
                    break
                retries += 1
                time.sleep(0.02)
        time.sleep(0.005)
    print(json.dumps({"ok": ok, "lost": lost, "connections": reconnects, "retries": retries}))


if __name__ == "__main__":
    mode, url, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    {"keepalive": keepalive}[mode](url, seconds)
