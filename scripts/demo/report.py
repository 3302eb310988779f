#!/usr/bin/env python3
"""The demo's report: the ACTIVE timeline, the client probes, the client-visible outages and a verdict.

Inputs in DIR (all times CLOCK_MONOTONIC seconds, the clock of every network namespace):
    events.txt   TIME KEY TEXT...                  KEY: load-start, kill, restart, load-stop
    states.txt   START END NODE STATE NODE STATE   one line per status round (poller.py)
    probes.txt   TIME ok|failed WHAT LATENCY_MS STREAM   one line per request (prober.py), TIME = when it was
                 sent, STREAM = new (a new connection each) or ka (one keep-alive connection)

Each stream is judged on its own. Failed probes are grouped into disruptions: a disruption runs from its
first failed probe to the first successful probe sent after its last failed probe; a failure sent within GAP
of that success extends it.
Its outage is that span (send time to send time, so the resolution is the probe period). The failover
outage is the disruption that starts between just before the kill and 1 s after the standby reported
ACTIVE; the failback outage the one that starts within 1 s of the old node reporting ACTIVE again (the
preempt). No such disruption means an outage of 0 ms. Any other failed probe is listed with its time.
The largest gap between two probes' send times is printed when it exceeds 5 periods: a prober starved of
CPU stretches the outages it measures.

Verdict PASS: FIRST was ACTIVE before the kill, SECOND took over, FIRST was ACTIVE again at the end, both
outages of both streams are at most MAX_OUTAGE_MS, and no two status rounds in a row saw both nodes ACTIVE.
Exit 0 on PASS.

Usage: report.py DIR FIRST_NODE SECOND_NODE PERIOD_MS TIMEOUT_MS MAX_OUTAGE_MS
"""
import collections
import math
import sys
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


def read(path: str) -> list[list[str]]:
    with open(path) as file:
        return [line.split() for line in file if line.strip()]


def disruptions(probes: list[tuple[float, bool, str, float]]) -> list[Disruption]:
    found: list[Disruption] = []
    for sent, ok, _, _ in probes:
        current = found[-1] if found else None
        if ok:
            if current and current.recovered is None and sent > current.last_failure:
                current.recovered = sent
        elif current and (current.recovered is None or sent - current.recovered < GAP):
            current.last_failure, current.failed, current.recovered = sent, current.failed + 1, None
        else:
            found.append(Disruption(first=sent, last_failure=sent, failed=1))
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
    events = {fields[1]: (float(fields[0]), " ".join(fields[2:])) for fields in read(f"{directory}/events.txt")}
    rounds = []        # (start, end, state of first, state of second)
    for fields in read(f"{directory}/states.txt"):
        states = dict(zip(fields[2::2], fields[3::2]))
        if states.get(first, "?") != "?" and states.get(second, "?") != "?":
            rounds.append((float(fields[0]), float(fields[1]), states[first], states[second]))
    requests = sorted((float(f[0]), f[1] == "ok", f[2], float(f[3]), f[4]) for f in read(f"{directory}/probes.txt"))
    probes = [r[:4] for r in requests if r[4] == "new"]
    kept = [r[:4] for r in requests if r[4] == "ka"]
    kill, restart, stop = events["kill"][0], events["restart"][0], events["load-stop"][0]
    zero = probes[0][0] if probes else events["load-start"][0]

    def rel(time: float) -> str:
        return f"{time - zero:+.1f}s".rjust(7)

    def active(a: str, b: str) -> str:
        names = [name for name, state in ((first, a), (second, b)) if state == "ACTIVE"]
        return " + ".join(names) if names else "nobody"

    # The timeline: every change in the pair's states, and the demo's own actions.
    entries = [(events[key][0], f"** {first} {events[key][1]}") for key in ("kill", "restart")]
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

    def judge(stream: list[tuple[float, bool, str, float]]):
        found = disruptions(stream)
        return (merged([d for d in found if in_failover(d)]), merged([d for d in found if in_failback(d)]),
                [d for d in found if not in_failover(d) and not in_failback(d)])

    failover, failback, others = judge(probes)
    kept_failover, kept_failback, kept_others = judge(kept)

    ok = [p for p in probes if p[1]]
    reasons = collections.Counter(p[2] for p in probes if not p[1])
    backends = collections.Counter(r[2] for r in requests if r[1])     # both streams share the balancer
    latencies = [p[3] for p in ok]

    def describe(d: Disruption | None) -> str:
        if d is None:
            return "0 ms (no probe failed)"
        if d.recovered is None:
            return f"unbounded ({d.failed} probes failed from {rel(d.first).strip()} on, no success after them)"
        sent = sum(1 for p in probes if d.first <= p[0] < d.recovered)
        return (f"{d.outage_ms:.0f} ms: {d.failed} of {sent} probes failed, from {rel(d.first).strip()} to the "
                f"first success at {rel(d.recovered).strip()}")

    print()
    print("======================== Tandem demo report ========================")
    print(f"pair       {first} (priority 150) and {second} (priority 100), VIP 198.18.0.100, preempt after 3 s")
    print("timeline   (relative to the first client probe; states polled every ~100 ms)")
    for time, text in entries:
        print(f"  {rel(time)}  {text}")
    print(f"client     {len(probes)} probes in {stop - zero:.1f} s: GET http://198.18.0.100/ every {period_ms} ms "
          f"on a new connection, {timeout_ms} ms timeout")
    detail = f" ({', '.join(f'{n} {r}' for r, n in reasons.items())})" if reasons else ""
    print(f"           {len(ok)} ok, {len(probes) - len(ok)} failed{detail}")
    print(f"           latency of the ok ones p50 {percentile(latencies, 0.5):.1f} ms, "
          f"p99 {percentile(latencies, 0.99):.1f} ms")
    print(f"failover   outage {describe(failover)}")
    print(f"failback   outage {describe(failback)}")
    for d in others:
        print(f"other      {d.failed} probes failed at {rel(d.first).strip()}, outage {d.outage_ms:.0f} ms "
              "(away from both handovers)")
    kept_ok = sum(1 for p in kept if p[1])

    def short(d: Disruption | None) -> str:
        return "0 ms" if d is None else f"{d.outage_ms:.0f} ms ({d.failed} failed)"

    print(f"keep-alive {len(kept)} requests on one reused connection (reopened after a failure): "
          f"{kept_ok} ok, {len(kept) - kept_ok} failed")
    print(f"           outage at the failover {short(kept_failover)}, at the failback {short(kept_failback)}"
          + (f", {sum(d.failed for d in kept_others)} failed elsewhere" if kept_others else ""))
    print("backends   " + ", ".join(f"{name} {count}" for name, count in sorted(backends.items()))
          + " (both streams: they share the round robin)")
    gaps = [(later[0] - earlier[0], earlier[0]) for earlier, later in zip(probes, probes[1:])]
    widest = max(gaps, default=(0.0, zero))
    if widest[0] * 1000 > 5 * period_ms:
        print(f"note       the prober was late: no probe was sent for {widest[0] * 1000:.0f} ms after "
              f"{rel(widest[1]).strip()} (CPU starved); outages around then are stretched by as much")
    if both:
        print(f"note       both nodes reported ACTIVE in {len(both)} status round(s), at "
              + ", ".join(rel(t).strip() for t in both))

    problems = []
    if not start_ok:
        problems.append(f"{first} was not the only ACTIVE before the kill")
    if takeover is None:
        problems.append(f"{second} did not take over")
    if not end_ok:
        problems.append(f"{first} was not the only ACTIVE at the end")
    for name, d in (("failover", failover), ("failback", failback), ("keep-alive failover", kept_failover),
                    ("keep-alive failback", kept_failback)):
        if d is not None and d.outage_ms > max_outage_ms:
            problems.append(f"{name} outage over {max_outage_ms:.0f} ms")
    if not kept:
        problems.append("the keep-alive stream sent nothing")
    if both_twice:
        problems.append("both nodes ACTIVE in two status rounds in a row")
    if problems:
        print("verdict    FAIL: " + "; ".join(problems))
    else:
        failover_ms = failover.outage_ms if failover else 0
        failback_ms = failback.outage_ms if failback else 0
        caveat = f"; {sum(d.failed for d in others)} probes failed away from the handovers" if others else ""
        print(f"verdict    PASS: {second} took over with {failover_ms:.0f} ms client-visible outage, {first} took the "
              f"VIP back with {failback_ms:.0f} ms{caveat}")
    print("====================================================================")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
