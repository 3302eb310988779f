#!/usr/bin/env python3
"""The demo's client load, two streams of HTTP GETs with a per-request timeout:

- "new": one GET every PERIOD ms, each on a new TCP connection. Probes start on a fixed schedule (a slow or
  hanging probe never delays the next one), so a gap in successes measures the client-visible outage with
  PERIOD resolution.
- "ka": one keep-alive connection, one GET every PERIOD ms on it, one at a time; after a failure the
  connection is dropped and the next request opens a new one (a client with a connection pool).

Runs until STOP_FILE exists or MAX_SECONDS have passed, whichever is first (and at most MAX_SECONDS/PERIOD
requests per stream), then waits for the requests still in flight (at most TIMEOUT).

One line per request on stdout, in completion order:
    SEND_TIME ok BACKEND LATENCY_MS STREAM        SEND_TIME failed REASON LATENCY_MS STREAM
SEND_TIME is CLOCK_MONOTONIC in seconds (time.monotonic(), the same clock in every network namespace).

Usage: prober.py HOST PORT PATH PERIOD_MS TIMEOUT_MS MAX_SECONDS STOP_FILE
"""
import asyncio
import os
import sys
import time


class Response:
    def __init__(self, backend: str, closes: bool) -> None:
        self.backend = backend
        self.closes = closes


async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, path: str,
                   keep_alive: bool) -> Response:
    """Sends one GET and reads its response; the backend's name is the body's last word ("hello from be1")."""
    connection = "keep-alive" if keep_alive else "close"
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: {connection}\r\n\r\n".encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = lines[0].split(" ")
    length, closes = 0, False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
        elif name.strip().lower() == "connection" and value.strip().lower() == "close":
            closes = True
    body = (await reader.readexactly(length)).decode("latin-1") if length else ""
    if len(status) < 2 or status[1] != "200":
        raise RuntimeError(f"http-{status[1] if len(status) > 1 else 'garbled'}")
    words = body.split()
    return Response(words[-1] if words else "unknown", closes)


def failure(error: BaseException) -> str:
    if isinstance(error, asyncio.TimeoutError):
        return "timeout"
    if isinstance(error, RuntimeError):
        return str(error)
    return type(error).__name__


CAUGHT = (asyncio.TimeoutError, RuntimeError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
          ValueError)


async def new_connection_probe(host: str, port: int, path: str, timeout: float, out: list[str]) -> None:
    start = time.monotonic()

    async def once() -> Response:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            return await exchange(reader, writer, host, path, keep_alive=False)
        finally:
            writer.close()

    try:
        response = await asyncio.wait_for(once(), timeout)
        out.append(f"{start:.6f} ok {response.backend} {(time.monotonic() - start) * 1000:.1f} new")
    except CAUGHT as error:
        out.append(f"{start:.6f} failed {failure(error)} {(time.monotonic() - start) * 1000:.1f} new")


async def new_connection_stream(host: str, port: int, path: str, period: float, timeout: float,
                                done, out: list[str]) -> None:
    tasks: set[asyncio.Task] = set()
    next_start = time.monotonic()
    while not done():
        now = time.monotonic()
        if next_start > now:
            await asyncio.sleep(next_start - now)
        task = asyncio.create_task(new_connection_probe(host, port, path, timeout, out))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        next_start = max(next_start + period, time.monotonic() - period)
    if tasks:
        await asyncio.wait(tasks, timeout=timeout + 1)


async def keep_alive_stream(host: str, port: int, path: str, period: float, timeout: float,
                            done, out: list[str]) -> None:
    connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    next_start = time.monotonic()
    while not done():
        now = time.monotonic()
        if next_start > now:
            await asyncio.sleep(next_start - now)
        start = time.monotonic()
        try:
            if connection is None:
                connection = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
            reader, writer = connection
            response = await asyncio.wait_for(exchange(reader, writer, host, path, keep_alive=True),
                                              timeout - (time.monotonic() - start))
            out.append(f"{start:.6f} ok {response.backend} {(time.monotonic() - start) * 1000:.1f} ka")
            if response.closes:
                writer.close()
                connection = None
        except CAUGHT as error:
            out.append(f"{start:.6f} failed {failure(error)} {(time.monotonic() - start) * 1000:.1f} ka")
            if connection is not None:
                connection[1].close()
                connection = None
        next_start = max(next_start + period, time.monotonic())
    if connection is not None:
        connection[1].close()


async def main() -> None:
    host, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    period, timeout = int(sys.argv[4]) / 1000, int(sys.argv[5]) / 1000
    max_seconds, stop_file = float(sys.argv[6]), sys.argv[7]
    began = time.monotonic()
    out: list[str] = []
    counted = {"checks": 0}
    limit = 2 * (int(max_seconds / period) + 1)     # both streams together, bounded in count as in time

    def done() -> bool:
        counted["checks"] += 1
        return (counted["checks"] > limit or time.monotonic() - began >= max_seconds
                or os.path.exists(stop_file))

    async def flush() -> None:
        while not done():
            await asyncio.sleep(0.5)
            if out:
                sys.stdout.write("\n".join(out) + "\n")
                sys.stdout.flush()
                out.clear()

    await asyncio.gather(new_connection_stream(host, port, path, period, timeout, done, out),
                         keep_alive_stream(host, port, path, period, timeout, done, out),
                         flush())
    if out:
        sys.stdout.write("\n".join(out) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(main())
