#!/usr/bin/env python3
"""New TCP connections per second against 127.0.0.1:PORT, and the echo server they talk to.

    connect_rate.py PORT [WORKERS] [SECONDS]     # client
    connect_rate.py --echo PORT [MAX_SECONDS]    # echo server

Client: WORKERS (default 4) threads, each in a loop for SECONDS (default 10): connect, send 16 bytes, read them
back, close. Prints "ROUND_TRIPS_PER_SECOND COMPLETED FAILURES" on stdout, and the first few failures on
stderr. A failed round trip (refused, reset, closed early, 2 s without an answer) counts once, then the worker
pauses 1 ms so a dead proxy does not turn into a busy loop.

Echo server (asyncio): writes back whatever a connection sends and closes once the peer half-closes;
prints "ready" on stdout once listening; exits after MAX_SECONDS (default 600) or when killed.
Loopback only; bounded in time.
"""
import asyncio
import socket
import sys
import threading
import time

PAYLOAD = b"tandem-l4-bench\n"  # 16 bytes


def worker(port, deadline, counts, index, errors):
    done = failed = 0
    address = ("127.0.0.1", port)
    while time.monotonic() < deadline:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.settimeout(2)
        try:
            sock.connect(address)
            sock.sendall(PAYLOAD)
            got = b""
            while len(got) < len(PAYLOAD):
                chunk = sock.recv(len(PAYLOAD) - len(got))
                if not chunk:
                    raise ConnectionError(f"closed after {len(got)} of {len(PAYLOAD)} bytes")
                got += chunk
            if got != PAYLOAD:
                raise ValueError("echo differs")
            done += 1
        except (OSError, ValueError) as error:
            failed += 1
            if len(errors) < 5:
                errors.append(repr(error))
            time.sleep(0.001)
        finally:
            sock.close()
    counts[index] = (done, failed)


def client(port, workers, seconds):
    start = time.monotonic()
    deadline = start + seconds
    counts = [(0, 0)] * workers
    errors = []
    threads = [
        threading.Thread(target=worker, args=(port, deadline, counts, i, errors), daemon=True) for i in range(workers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 5)
    elapsed = time.monotonic() - start
    done = sum(c[0] for c in counts)
    failed = sum(c[1] for c in counts)
    for error in errors:
        print(error, file=sys.stderr)
    print(f"{done / elapsed:.0f} {done} {failed}")


class Echo(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.transport.write(data)

    def eof_received(self):
        return False  # close once the peer half-closed (after the pending writes)


async def echo(port, max_seconds):
    server = await asyncio.get_running_loop().create_server(Echo, "127.0.0.1", port, backlog=4096, reuse_address=True)
    print("ready", flush=True)
    async with server:
        await asyncio.sleep(max_seconds)


def main():
    args = sys.argv[1:]
    if args and args[0] == "--echo":
        asyncio.run(echo(int(args[1]), float(args[2]) if len(args) > 2 else 600))
    else:
        client(int(args[0]), int(args[1]) if len(args) > 1 else 4, float(args[2]) if len(args) > 2 else 10)


if __name__ == "__main__":
    main()
