"""WebSocket peers for the e2e check, on the Python `websockets` library (a real implementation on both ends).

    ws.py server PORT [HOST]   echo server on HOST:PORT (default 127.0.0.1; text and binary, any size), until killed
    ws.py client URL [CONNS]   the checks against URL (ws:// or wss://, certificates not verified); prints one
                               "ok ..." line per check, exits 1 at the first failure
    ws.py session URL SECONDS  one socket sending a message every 50 ms for SECONDS, then the close handshake;
                               prints {"sent", "echoed", "closeCode"} as JSON
"""
import json
import asyncio
import os
import ssl
import sys
import time

from websockets.asyncio.client import connect
from websockets.asyncio.server import serve


async def echo(connection):
    async for message in connection:
        await connection.send(message)


async def run_server(port, host):
    async with serve(echo, host, port, max_size=None, ping_interval=None):
        await asyncio.get_running_loop().create_future()


def fail(what):
    print(f"FAIL: {what}", flush=True)
    sys.exit(1)


async def run_client(url, concurrent):
    context = None
    if url.startswith("wss://"):
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    options = dict(ssl=context, max_size=None, ping_interval=None, open_timeout=5, close_timeout=5)

    async with connect(url, **options) as ws:
        await ws.send("hello tandem")
        if await asyncio.wait_for(ws.recv(), 5) != "hello tandem":
            fail("text echo")
        print("ok text", flush=True)
        payload = bytes(range(256)) * 4
        await ws.send(payload)
        if await asyncio.wait_for(ws.recv(), 5) != payload:
            fail("binary echo")
        print("ok binary", flush=True)
        big = os.urandom(16 << 20)
        started = time.monotonic()
        await ws.send(big)
        if await asyncio.wait_for(ws.recv(), 30) != big:
            fail("16 MiB echo")
        print(f"ok 16 MiB each way in {time.monotonic() - started:.2f} s", flush=True)
        pong = await ws.ping(b"are you there")
        latency = await asyncio.wait_for(pong, 5)
        print(f"ok ping/pong ({latency * 1000:.1f} ms)", flush=True)
    if ws.close_code != 1000:
        fail(f"close handshake: code {ws.close_code}")
    print("ok close handshake (1000)", flush=True)

    started = time.monotonic()
    sockets = []
    for batch in range(0, concurrent, 100):
        sockets += [await connect(url, **options) for _ in range(batch, min(concurrent, batch + 100))]
    for index, socket in enumerate(sockets):
        await socket.send(f"socket {index}")
    answers = await asyncio.wait_for(asyncio.gather(*(socket.recv() for socket in sockets)), 30)
    if answers != [f"socket {index}" for index in range(len(sockets))]:
        fail("concurrent echoes")
    await asyncio.gather(*(socket.close() for socket in sockets))
    print(f"ok {len(sockets)} concurrent sockets open at once in {time.monotonic() - started:.2f} s", flush=True)


async def run_session(url, seconds):
    sent = echoed = 0
    async with connect(url, open_timeout=5, close_timeout=5, ping_interval=None) as ws:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            await ws.send(f"message {sent}")
            sent += 1
            if await asyncio.wait_for(ws.recv(), 2) == f"message {sent - 1}":
                echoed += 1
            await asyncio.sleep(0.05)
    print(json.dumps({"sent": sent, "echoed": echoed, "closeCode": ws.close_code}), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "server":
        asyncio.run(run_server(int(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else "127.0.0.1"))
    elif sys.argv[1] == "session":
        asyncio.run(run_session(sys.argv[2], float(sys.argv[3])))
    else:
        asyncio.run(run_client(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 1000))
