#!/usr/bin/env python3
"""The demo's client load: one HTTP GET every PERIOD ms, each on a new TCP connection with its own timeout.

Probes are started on a fixed schedule (a slow or hanging probe never delays the next one), so a gap in
successes measures the client-visible outage with PERIOD resolution. Runs until STOP_FILE exists or
MAX_SECONDS have passed, whichever is first, then waits for the probes still in flight (at most TIMEOUT).

One line per probe on stdout, in completion order:
    SEND_TIME ok BACKEND LATENCY_MS        SEND_TIME failed REASON LATENCY_MS
SEND_TIME is CLOCK_MONOTONIC in seconds (time.monotonic(), the same clock in every network namespace).

Usage: prober.py URL_HOST PORT PATH PERIOD_MS TIMEOUT_MS MAX_SECONDS STOP_FILE
"""
import asyncio
import os
import sys
import time


async def get_once(host: str, port: int, path: str) -> str:
    """Sends one GET on a new connection and returns the backend's name from the body ("hello from be1")."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = lines[0].split(" ")
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        body = (await reader.readexactly(length)).decode("latin-1") if length else ""
        if len(status) < 2 or status[1] != "200":
            raise RuntimeError(f"http-{status[1] if len(status) > 1 else 'garbled'}")
        words = body.split()
        return words[-1] if words else "unknown"
    finally:
        writer.close()


async def probe(host: str, port: int, path: str, timeout: float, out: list[str]) -> None:
    start = time.monotonic()
    try:
        backend = await asyncio.wait_for(get_once(host, port, path), timeout)
        out.append(f"{start:.6f} ok {backend} {(time.monotonic() - start) * 1000:.1f}")
    except asyncio.TimeoutError:
        out.append(f"{start:.6f} failed timeout {(time.monotonic() - start) * 1000:.1f}")
    except RuntimeError as error:
        out.append(f"{start:.6f} failed {error} {(time.monotonic() - start) * 1000:.1f}")
    except (OSError, asyncio.IncompleteReadError, ValueError) as error:
        reason = type(error).__name__
        out.append(f"{start:.6f} failed {reason} {(time.monotonic() - start) * 1000:.1f}")


async def main() -> None:
    host, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    period, timeout = int(sys.argv[4]) / 1000, int(sys.argv[5]) / 1000
    max_seconds, stop_file = float(sys.argv[6]), sys.argv[7]
    out: list[str] = []
    tasks: set[asyncio.Task] = set()
    began = time.monotonic()
    limit = int(max_seconds / period) + 1          # bounded in count as well as in time
    next_start = began
    for _ in range(limit):
        now = time.monotonic()
        if now - began >= max_seconds or os.path.exists(stop_file):
            break
        if next_start > now:
            await asyncio.sleep(next_start - now)
        task = asyncio.create_task(probe(host, port, path, timeout, out))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        next_start = max(next_start + period, time.monotonic() - period)
        if len(out) >= 200:
            sys.stdout.write("\n".join(out) + "\n")
            sys.stdout.flush()
            out.clear()
    if tasks:
        await asyncio.wait(tasks, timeout=timeout + 1)
    if out:
        sys.stdout.write("\n".join(out) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(main())
