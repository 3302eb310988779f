#!/usr/bin/env python3
"""The demo's observer: every PERIOD ms asks each node `tandem status --json` (in parallel) and records its
HA state, until STOP_FILE exists or MAX_SECONDS have passed.

One line per round on stdout:  START END NODE STATE NODE STATE ...
START and END are CLOCK_MONOTONIC seconds when the round's calls were started and when the last one had
answered: the calls run at the same time, so each state was true at some moment between the two. STATE is
the node's ha.state (ACTIVE, STANDBY, FAULT, ...), "down" when no daemon answers on its admin socket, or "?"
when the status command could not be run. A node with `ha.groups` adds one NODE/GROUP STATE pair per group
(e.g. `lb-a/web-a ACTIVE`); a node that is down has none.

Usage: poller.py TANDEM PERIOD_MS MAX_SECONDS STOP_FILE NODE=ADMIN_SOCKET...
"""
import json
import os
import subprocess
import sys
import time


def states_of(name: str, output: bytes) -> list[str]:
    """NAME STATE, then NAME/GROUP STATE for each declared group."""
    try:
        ha = json.loads(output)["ha"]
        fields = [name, str(ha["state"])]
        if ha.get("declaresGroups"):
            for group in ha.get("groups") or []:
                fields += [f"{name}/{group['name']}", str(group["state"])]
        return fields
    except (ValueError, KeyError, TypeError):
        return [name, "down"]


def main() -> None:
    tandem, period = sys.argv[1], int(sys.argv[2]) / 1000
    max_seconds, stop_file = float(sys.argv[3]), sys.argv[4]
    nodes = [argument.split("=", 1) for argument in sys.argv[5:]]
    began = time.monotonic()
    for _ in range(int(max_seconds / period) + 1):   # bounded in count as well as in time
        round_start = time.monotonic()
        if round_start - began >= max_seconds or os.path.exists(stop_file):
            break
        calls = []
        for name, admin in nodes:
            try:
                calls.append((name, subprocess.Popen([tandem, "status", "--json", "--admin", admin],
                                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)))
            except OSError as error:     # this round has no state for the node; the next round asks again
                print(f"cannot run {tandem}: {error}", file=sys.stderr)
                calls.append((name, None))
        fields = []
        for name, call in calls:
            node = [name, "?"]
            if call is not None:
                try:
                    output, _ = call.communicate(timeout=2)
                    node = states_of(name, output) if call.returncode == 0 else [name, "down"]
                except subprocess.TimeoutExpired:
                    call.kill()
                    call.communicate()
                    node = [name, "down"]
            fields += node
        sys.stdout.write(f"{round_start:.6f} {time.monotonic():.6f} " + " ".join(fields) + "\n")
        sys.stdout.flush()
        delay = round_start + period - time.monotonic()
        if delay > 0:
            time.sleep(delay)


if __name__ == "__main__":
    main()
