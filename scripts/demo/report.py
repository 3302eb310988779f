#!/usr/bin/env python3
"""The demo's report: the ACTIVE timeline, the client probes per stream, the client-visible outages and a verdict.

Inputs in DIR (all times CLOCK_MONOTONIC seconds, the clock of every network namespace):
    events.txt   TIME KEY TEXT...                  KEY: load-start, kill, restart, load-stop
    states.txt   START END NODE STATE NODE STATE   one line per status round (poller.py)
    streams.txt  NAME FILE URL MODE                one line per probe stream; MODE is new (a new connection each)
                                                   or keep-alive (one kept connection, a new one after a failure)
    FILE         one JSON object per probe, as `tandem probe --lines` prints them:
                 {"sent", "ended", "status", "failure", "connection"}, "sent" being when it was sent

Each stream is judged on its own. Failed probes are grouped into disruptions: a disruption runs from its
first failed probe to the first successful probe sent after its last failed probe; a failure sent within GAP
of that success extends it.
Its outage is that span (send time to send time, so the resolution is the probe period). The failover
outage is the disruption that starts between just before the kill and 1 s after the standby reported
ACTIVE; the failback outage the one that starts within 1 s of the old node reporting ACTIVE again (the
preempt). No such disruption means an outage of 0 ms. Any other failed probe is listed with its time.
The largest gap between two probes is printed when it exceeds 5 periods (between send times on new connections,
from one probe's end to the next one's send on a kept connection): a prober starved of CPU stretches the outages
it measures.

Verdict PASS: FIRST was ACTIVE before the kill, SECOND took over, FIRST was ACTIVE again at the end, both
outages of every stream are at most MAX_OUTAGE_MS, every stream sent probes (and a keep-alive stream kept its
connections: at most one per 100 probes), and no two status rounds in a row saw both nodes ACTIVE. Exit 0 on PASS.

With --group G (active-active), the states are those of group G (states.txt's NODE/G fields), and only the
streams of --streams FILE are judged. With --steady as well, FIRST holds G throughout while SECOND is the node
killed and brought back: PASS when FIRST is the only ACTIVE in G in every round and the outages around SECOND's
failover and return are within MAX_OUTAGE_MS.

Usage: report.py DIR FIRST_NODE SECOND_NODE PERIOD_MS TIMEOUT_MS MAX_OUTAGE_MS [--group G [--streams FILE] [--steady]]
"""
import collections
import json
import math
import sys
import urllib.parse
from dataclasses import dataclass

GAP = 0.1


@dataclass
class Disruption:
    first: float
    last_failure: float
    failed: int
    recovered: float | None = None

    @property
    def outage_ms(self) -> float:
        return math.inf if self.recovered is None else (self.recovered - self.first) * 1000


@dataclass
class Probe:
    sent: float
    ended: float
    ok: bool
    what: str               # the status code, or why it failed
    connection: int | None

    @property
    def latency_ms(self) -> float:
        return (self.ended - self.sent) * 1000


@dataclass
class Stream:
    name: str
    url: str
    keep_alive: bool
    probes: list[Probe]


def read(path: str) -> list[list[str]]:
    with open(path) as file:
        return [line.split() for line in file if line.strip()]


def read_probes(path: str) -> list[Probe]:
    probes = []
    with open(path) as file:
        for line in file:
            if line.strip():
                p = json.loads(line)
                probes.append(Probe(p["sent"], p["ended"], p["failure"] is None,
                                    str(p["status"]) if p["failure"] is None else p["failure"], p["connection"]))
    return sorted(probes, key=lambda probe: probe.sent)


def disruptions(probes: list[Probe]) -> list[Disruption]:
    found: list[Disruption] = []
    for probe in probes:
        current = found[-1] if found else None
        if probe.ok:
            if current and current.recovered is None and probe.sent > current.last_failure:
                current.recovered = probe.sent
        elif current and (current.recovered is None or probe.sent - current.recovered < GAP):
            current.last_failure, current.failed, current.recovered = probe.sent, current.failed + 1, None
        else:
            found.append(Disruption(first=probe.sent, last_failure=probe.sent, failed=1))
    return found


def merged(group: list[Disruption]) -> Disruption | None:
    if not group:
        return None
    return Disruption(first=group[0].first, last_failure=group[-1].last_failure,
                      failed=sum(d.failed for d in group), recovered=group[-1].recovered)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def main() -> int:
    directory, first, second = sys.argv[1], sys.argv[2], sys.argv[3]
    period_ms, timeout_ms, max_outage_ms = int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
    options = sys.argv[7:]
    group = options[options.index("--group") + 1] if "--group" in options else None
    streams_file = options[options.index("--streams") + 1] if "--streams" in options else "streams.txt"
    steady = "--steady" in options
    killed = second if steady else first

    def key(node: str) -> str:
        return f"{node}/{group}" if group else node
    events = {fields[1]: (float(fields[0]), " ".join(fields[2:])) for fields in read(f"{directory}/events.txt")}
    rounds = []        # (start, end, state of first, state of second)
    for fields in read(f"{directory}/states.txt"):
        states = dict(zip(fields[2::2], fields[3::2]))
        # A node that is down has no group fields: it holds nothing.
        a = states.get(key(first), "down" if states.get(first) == "down" else "?")
        b = states.get(key(second), "down" if states.get(second) == "down" else "?")
        if a != "?" and b != "?":
            rounds.append((float(fields[0]), float(fields[1]), a, b))
    streams = [Stream(name, url, mode == "keep-alive", read_probes(path))
               for name, path, url, mode in read(f"{directory}/{streams_file}")]
    vips = list(dict.fromkeys(urllib.parse.urlsplit(stream.url).hostname for stream in streams))
    kill, restart, stop = events["kill"][0], events["restart"][0], events["load-stop"][0]
    sends = [stream.probes[0].sent for stream in streams if stream.probes]
    zero = min(sends) if sends else events["load-start"][0]

    def rel(time: float) -> str:
        return f"{time - zero:+.1f}s".rjust(7)

    def active(a: str, b: str) -> str:
        names = [name for name, state in ((first, a), (second, b)) if state == "ACTIVE"]
        return " + ".join(names) if names else "nobody"

    # The timeline: every change in the pair's states, and the demo's own actions.
    entries = [(events[event][0], f"** {killed} {events[event][1]}") for event in ("kill", "restart")]
    previous = None
    last_holder = None
    for start, end, a, b in rounds:
        if (a, b) == previous:
            continue
        previous = (a, b)
        holder = active(a, b)
        label = f"{holder} ACTIVE" if holder != last_holder else ""
        entries.append(((start + end) / 2, f"{label:<20}({first} {a}, {second} {b})"))
        last_holder = holder
    entries.sort(key=lambda entry: entry[0])

    # Rounds are attributed to a phase only when they lie wholly inside it.
    before_kill = [r for r in rounds if r[1] < kill]
    start_ok = bool(before_kill) and active(before_kill[-1][2], before_kill[-1][3]) == first
    if steady:      # FIRST keeps the group: the windows are SECOND's death and return
        takeover = next((end for start, end, a, b in rounds if kill < start and end < restart), None)
        preempt = next((end for start, end, a, b in rounds if start > restart and b != "down"), None)
    else:
        takeover = next((end for start, end, a, b in rounds if kill < start and end < restart and b == "ACTIVE"), None)
        preempt = next((end for start, end, a, b in rounds if start > restart and a == "ACTIVE"), None)
    last = [r for r in rounds if r[1] <= stop]
    end_ok = bool(last) and active(last[-1][2], last[-1][3]) == first
    both = [start for start, end, a, b in rounds if a == b == "ACTIVE"]
    both_twice = any(rounds[i][2] == rounds[i][3] == rounds[i + 1][2] == rounds[i + 1][3] == "ACTIVE"
                     for i in range(len(rounds) - 1))

    failover_end = (takeover if takeover is not None else restart) + 1.0

    def in_failover(d: Disruption) -> bool:
        return kill - 0.3 <= d.first <= failover_end

    def in_failback(d: Disruption) -> bool:
        return preempt is not None and abs(d.first - preempt) <= 1.0

    print()
    print("======================== Tandem demo report ========================")
    if group:
        print(f"group      {group}: {first} preferred, {second} its peer; VIP {', '.join(vips)}, preempt after 3 s")
    else:
        print(f"pair       {first} (priority 150) and {second} (priority 100), VIP {', '.join(vips)}, preempt after 3 s")
    print("timeline   (relative to the first client probe; states polled every ~100 ms)")
    for time, text in entries:
        print(f"  {rel(time)}  {text}")
    print(f"client     {len(streams)} streams of `tandem probe` from the client namespace: GET every {period_ms} ms, "
          f"{timeout_ms} ms timeout each")

    problems = []
    outages = []        # (stream, failover ms, failback ms)
    for stream in streams:
        probes = stream.probes
        found = disruptions(probes)
        failover = merged([d for d in found if in_failover(d)])
        failback = merged([d for d in found if in_failback(d)])
        others = [d for d in found if not in_failover(d) and not in_failback(d)]
        ok = [p for p in probes if p.ok]
        reasons = collections.Counter(p.what for p in probes if not p.ok)
        label = stream.name.ljust(10)
        carried = len({p.connection for p in ok})
        how = "on one keep-alive connection (a new one after a failure)" if stream.keep_alive else \
            "on a new connection each"
        print(f"{label} GET {stream.url} {how}")
        span = (probes[-1].sent - probes[0].sent) if probes else 0.0
        on = f" on {carried} connection{'s' if carried != 1 else ''}" if stream.keep_alive else ""
        detail = f" ({', '.join(f'{n} {r}' for r, n in reasons.most_common())})" if reasons else ""
        print(f"           {len(probes)} probes in {span:.1f} s: {len(ok)} ok{on}, {len(probes) - len(ok)} failed{detail}")
        latencies = [p.latency_ms for p in ok]
        print(f"           latency of the ok ones p50 {percentile(latencies, 0.5):.1f} ms, "
              f"p99 {percentile(latencies, 0.99):.1f} ms")

        def describe(d: Disruption | None) -> str:
            if d is None:
                return "0 ms (no probe failed)"
            if d.recovered is None:
                return f"unbounded ({d.failed} probes failed from {rel(d.first).strip()} on, no success after them)"
            sent = sum(1 for p in probes if d.first <= p.sent < d.recovered)
            return (f"{d.outage_ms:.0f} ms: {d.failed} of {sent} probes failed, from {rel(d.first).strip()} to the "
                    f"first success at {rel(d.recovered).strip()}")

        print(f"           failover outage {describe(failover)}")
        print(f"           failback outage {describe(failback)}")
        for d in others:
            print(f"           other: {d.failed} probes failed at {rel(d.first).strip()}, outage {d.outage_ms:.0f} ms "
                  "(away from both handovers)")
        gaps = [(later.sent - (earlier.ended if stream.keep_alive else earlier.sent), earlier.sent)
                for earlier, later in zip(probes, probes[1:])]
        widest = max(gaps, default=(0.0, zero))
        if widest[0] * 1000 > 5 * period_ms:
            print(f"           note: no probe was sent for {widest[0] * 1000:.0f} ms after {rel(widest[1]).strip()} "
                  "(the prober starved of CPU: outages then are stretched as much)")

        for what, d in (("failover", failover), ("failback", failback)):
            if d is not None and d.outage_ms > max_outage_ms:
                problems.append(f"{stream.name} {what} outage over {max_outage_ms:.0f} ms")
        if not probes:
            problems.append(f"the {stream.name} stream sent nothing")
        elif stream.keep_alive and carried * 100 > len(probes):
            problems.append(f"the {stream.name} stream did not keep its connection ({carried} for {len(probes)} probes)")
        outages.append((stream.name, failover.outage_ms if failover else 0, failback.outage_ms if failback else 0,
                        sum(d.failed for d in others)))

    if both:
        print(f"note       both nodes reported ACTIVE in {len(both)} status round(s), at "
              + ", ".join(rel(t).strip() for t in both))
    if not start_ok:
        problems.append(f"{first} was not the only ACTIVE before the kill")
    if steady and any(a != "ACTIVE" or b == "ACTIVE" for _, _, a, b in rounds):
        problems.append(f"{group} moved away from {first}")
    if takeover is None and not steady:
        problems.append(f"{second} did not take over")
    if not end_ok:
        problems.append(f"{first} was not the only ACTIVE at the end")
    if not streams:
        problems.append("no probe stream")
    if both_twice:
        problems.append("both nodes ACTIVE in two status rounds in a row")
    if problems:
        print("verdict    FAIL: " + "; ".join(problems))
    else:
        over = ", ".join(f"{failover_ms:.0f} ms ({name})" for name, failover_ms, _, _ in outages)
        back = ", ".join(f"{failback_ms:.0f} ms ({name})" for name, _, failback_ms, _ in outages)
        elsewhere = sum(n for _, _, _, n in outages)
        caveat = f"; {elsewhere} probes failed away from the handovers" if elsewhere else ""
        if steady:
            print(f"verdict    PASS: {first} kept {group} throughout; outage while {second} died {over}, "
                  f"while it returned {back}{caveat}")
        else:
            print(f"verdict    PASS: {second} took over with {over} client-visible outage,")
            print(f"           {first} took the VIP back with {back}{caveat}")
    print("====================================================================")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
