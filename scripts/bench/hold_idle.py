#!/usr/bin/env python3
"""Holds idle keep-alive HTTP/1.1 client connections open against 127.0.0.1:PORT.

    hold_idle.py PORT [COUNT] [HOLD_SECONDS]

Opens COUNT (default 5000) connections one after another, sends one `GET / HTTP/1.1` on each and reads its
response (Content-Length framed), keeps every connection open, prints "ready OPEN FAILED" on stdout, then
waits until killed or HOLD_SECONDS (default 60) have passed, and exits. Loopback only; bounded in count and time.
"""
import resource
import select
import socket
import sys
import time

REQUEST = b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n"


def read_response(sock):
    """Reads one Content-Length framed response; returns its status code (raises on a short or closed read)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("closed before the response head")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
        if name.strip().lower() == b"connection" and value.strip().lower() == b"close":
            raise ConnectionError("the proxy closes the connection")
    while len(body) < length:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("closed in the response body")
        body += chunk
    return status


def main():
    port = int(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
    hold = float(sys.argv[3]) if len(sys.argv) > 3 else 60.0
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < count + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count + 64), hard))
    deadline = time.monotonic() + hold
    socks, failed, first_error = [], 0, ""
    for _ in range(count):
        if time.monotonic() > deadline:
            break
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(REQUEST)
            if read_response(sock) != 200:
                raise ConnectionError("status other than 200")
            socks.append(sock)
        except (OSError, ValueError, IndexError) as error:
            failed += 1
            first_error = first_error or repr(error)
            try:
                sock.close()
            except Exception:
                pass
    if first_error:
        print(f"first failure: {first_error}", file=sys.stderr)
    print(f"ready {len(socks)} {failed}", flush=True)
    # Wait, noticing connections the proxy closes (counted on stderr at the end).
    poller = select.poll()
    for sock in socks:
        poller.register(sock, select.POLLIN)
    closed = 0
    while closed < len(socks):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        for fd, _ in poller.poll(min(1000, int(left * 1000) + 1)):
            poller.unregister(fd)
            closed += 1
    if closed:
        print(f"the proxy closed {closed} idle connections", file=sys.stderr)

if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
