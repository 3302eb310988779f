#!/usr/bin/env python3
"""Bounded HTTP clients for the end-to-end checks; each prints one JSON summary line.

  http-client.py keepalive URL SECONDS   one keep-alive connection, GET in a loop; a request that fails
                                         (reset, closed, timeout) is retried on a new connection, up to
                                         5 times within 3 s, as browsers and HTTP libraries retry
                                         idempotent requests. Reports requests ok, lost, reconnects.
  http-client.py probe URL SECONDS       a new connection every 10 ms, 200 ms timeout; reports ok,
                                         failed and the outage (first failure to next success, ms).
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


def probe(url, seconds):
    parts = urllib.parse.urlsplit(url)
    start = time.monotonic()
    results = []
    next_at = start
    while time.monotonic() - start < seconds and len(results) < 100000:
        sent = time.monotonic()
        try:
            connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=0.2)
            connection.request("GET", parts.path or "/")
            response = connection.getresponse()
            response.read()
            connection.close()
            results.append((sent - start, response.status < 500))
        except Exception:
            results.append((sent - start, False))
        next_at += 0.01
        time.sleep(max(0, next_at - time.monotonic()))
    first_failure = recovery = None
    for sent, good in results:
        if not good and first_failure is None:
            first_failure = sent
        if good and first_failure is not None and recovery is None:
            recovery = sent
    outage = 0 if first_failure is None else (None if recovery is None else (recovery - first_failure) * 1000)
    print(json.dumps({"ok": sum(1 for _, g in results if g), "failed": sum(1 for _, g in results if not g),
                      "outage_ms": outage}))


if __name__ == "__main__":
    mode, url, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    {"keepalive": keepalive, "probe": probe}[mode](url, seconds)
