#!/usr/bin/env python3
"""The fault soak's resource sampler and its invariant analysis (used by scripts/soak.sh).

  soak-monitor.py sample DIR MAX_SECONDS
      Every second until DIR/stop exists (or MAX_SECONDS pass): VmRSS and the open descriptors of every process
      listed in DIR/pids ("ROLE PID" lines), appended to DIR/resources.txt as "TIME ROLE PID RSS_KB FDS".

  soak-monitor.py report DIR [--interval-ms N] [...] [--partial]
      Reads what the soak recorded and prints its report; exit 1 if any invariant broke.
      DIR/events.txt      "TIME EVENT ARGS..." written by soak.sh (faults, heals, settles, crashes, pids)
      DIR/mon-NODE.txt    `ip -ts monitor link address` of NODE's namespace: every VIP add/remove and every
                          change of eth0, with the time ip received it from the kernel
      DIR/resources.txt   the sampler's output
      DIR/NODE.ha.log     the heartbeat logs, quoted around each break as evidence

The holder timeline is rebuilt from the kernel's own address and link events, so every instant is covered
(nothing is sampled): a node holds the VIP while its eth0 has the address and is up with carrier (an address
on a link that is down serves nobody). Invariants:
  zero holders  only inside a detection window: from a fault's start or heal, for the time the pair needs to
                notice it (dead window = interval x dead_after, or the gateway track's fall x interval +
                timeout for a link down) + --margin-ms; a gap of at most one interval + --split-margin-ms
                anywhere is a handover (the ACTIVE releases before the peer claims) and is allowed.
  two holders   only while a fault that cuts the heartbeats or stops a node is in place (sigstop, partition,
                oneway, helperkill: each side then rightly believes it alone is alive) and for one interval +
                --split-margin-ms after its heal; elsewhere an overlap of at most one interval + --split-margin-ms
                (a stalled ACTIVE resumes and releases) is allowed and listed.
  crashes       a daemon or helper that exited without the soak killing it, or whose SIGTERM at the end did
                not exit 0; a pair that did not settle (one holder, ACTIVE + STANDBY, both answering).
  resources     see RSS_* and FD_GROWTH below.
"""
import bisect
import datetime
import json
import os
import re
import statistics
import sys
import time

# A daemon instance's resident memory may grow by 30 % + 20 MiB from its first quiet sample after warm-up to its
# last: glibc's arenas and SwiftNIO's pooled buffers grow in steps under the first proxy loads and are not
# returned, which on a ~20-40 MiB debug daemon is a plateau of a few MiB; a leak per heartbeat (50/s), per
# fault or per proxied request grows without bound over an hour and crosses it.
RSS_GROWTH_RATIO = 0.30
RSS_GROWTH_KB = 20 * 1024
# Descriptors are compared on quiet samples only (no load or stall fault, so no client connections open); the
# proxy keeps a few idle server connections, a helper reconnects, the heartbeat socket is bound again, so a
# handful of descriptors moves legitimately (23 +- 1 per daemon in the lab); a leak per fault (a socket not
# closed after a helper reconnect or a rebind, a connection per load) shows as one more per fault: dozens over
# a run of a few hundred faults.
FD_GROWTH = 20



def splits(fault):
    """Whether the fault rightly leaves two holders while it is in place: a heartbeat partition (each side
    believes the other dead), or the ACTIVE frozen, unheard (its heartbeats dropped) or unable to release (its
    helper dead) while its peer takes over. The same faults on the STANDBY leave one holder."""
    return fault.kind == "partition" or (fault.kind in ("sigstop", "oneway", "helperkill") and fault.role == "active")


def loses_peer(fault, node):
    """Whether NODE may rightly stop hearing its peer during the fault (a peer_dead in its log)."""
    if fault.kind in ("sigkill", "sigstop"):
        return True   # the peer of the killed or frozen node; the frozen node itself on resuming
    if fault.kind == "partition":
        return True
    if fault.kind == "oneway":
        return node != fault.node   # only the peer of the node whose heartbeats are dropped
    if fault.kind == "clock":
        return fault.param.startswith("restart")   # a restart is a short kill
    return False   # linkdown (heartbeats go over hb0), helperkill, cpu, load, stall (the heartbeat has its own loop)


def sample(directory, max_seconds):
    deadline = time.time() + max_seconds
    out = open(os.path.join(directory, "resources.txt"), "a", buffering=1)
    while time.time() < deadline and not os.path.exists(os.path.join(directory, "stop")):
        try:
            pids = [line.split() for line in open(os.path.join(directory, "pids")) if line.strip()]
        except OSError:
            pids = []
        now = time.time()
        for role, pid in pids:
            try:
                status = open(f"/proc/{pid}/status").read()
                if re.search(r"^State:\s+Z", status, re.M):
                    continue
                rss = int(re.search(r"^VmRSS:\s+(\d+)", status, re.M).group(1))
                fds = len(os.listdir(f"/proc/{pid}/fd"))
            except (OSError, AttributeError):
                continue
            out.write(f"{now:.3f} {role} {pid} {rss} {fds}\n")
        time.sleep(1)


# ---- reading what the soak recorded -----------------------------------------------------------------------

LINK = re.compile(r"^\[(?P<ts>[^\]]+)\]\s*(?P<deleted>Deleted )?\d+: (?P<dev>[^:@\s]+)(?:@\S+)?: <(?P<flags>[^>]*)>")
ADDR = re.compile(r"^\[(?P<ts>[^\]]+)\]\s*(?P<deleted>Deleted )?\d+: (?P<dev>\S+)\s+inet (?P<addr>[\d.]+)/")


def local_time(text):
    return datetime.datetime.fromisoformat(text).timestamp()


def read_monitor(path, node, vip):
    """(time, node, 'vip'|'link', bool) for every VIP change and every eth0 change."""
    changes = []
    try:
        lines = open(path, errors="replace").read().splitlines()
    except OSError:
        return changes
    for line in lines:
        m = ADDR.match(line)
        if m:
            if m["dev"] == "eth0" and m["addr"] == vip:
                changes.append((local_time(m["ts"]), node, "vip", not m["deleted"]))
            continue
        m = LINK.match(line)
        if m and m["dev"] == "eth0":
            flags = m["flags"].split(",")
            changes.append((local_time(m["ts"]), node, "link", "UP" in flags and "LOWER_UP" in flags and not m["deleted"]))
    return changes


class Fault:
    def __init__(self, number, t, kind, node, role, param):
        self.number, self.start, self.kind, self.node, self.role, self.param = number, t, kind, node, role, param
        self.heal = None
        self.settled = None

    def describe(self, origin):
        text = f"#{self.number} {self.kind} {self.node} ({self.role}{', ' + self.param if self.param else ''})"
        text += f" at +{self.start - origin:.3f}s"
        if self.heal is not None:
            text += f", healed +{self.heal - origin:.3f}s"
        return text


def read_events(path):
    events = []
    for line in open(path):
        parts = line.split()
        if len(parts) >= 2:
            events.append((float(parts[0]), parts[1], parts[2:]))
    return events


def intervals(changes, initial, origin, end):
    """[(start, end, holders)] over [origin, end], holders a tuple of nodes."""
    state = {node: dict(values) for node, values in initial.items()}

    def holders():
        return tuple(sorted(n for n, s in state.items() if s.get("vip") and s.get("link", True)))

    segments = []
    current_start, current = origin, None
    for t, node, what, value in sorted(changes, key=lambda c: c[0]):
        if t <= origin:
            state.setdefault(node, {})[what] = value
            continue
        if t >= end:
            break
        if current is None:
            current = holders()
        state.setdefault(node, {})[what] = value
        now = holders()
        if now != current:
            segments.append((current_start, t, current))
            current_start, current = t, now
    if current is None:
        current = holders()
    segments.append((current_start, end, current))
    return segments


def merge_by_count(segments):
    merged = []
    for start, end, holders in segments:
        count = min(len(holders), 2)
        if merged and merged[-1][2] == count:
            merged[-1] = (merged[-1][0], end, count, merged[-1][3] + [holders])
        else:
            merged.append((start, end, count, [holders]))
    return merged


def union(windows):
    out = []
    for start, end in sorted(windows):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def uncovered(start, end, windows):
    """(uncovered seconds, first uncovered instant) of [start, end] against merged windows."""
    total, first, cursor = 0.0, None, start
    for w_start, w_end in windows:
        if w_end <= cursor:
            continue
        if w_start >= end:
            break
        if w_start > cursor:
            total += w_start - cursor
            first = cursor if first is None else first
        cursor = max(cursor, w_end)
        if cursor >= end:
            break
    if cursor < end:
        total += end - cursor
        first = cursor if first is None else first
    return total, first


def percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def ha_log_lines(directory, nodes, start, end, limit=14):
    """Heartbeat-log lines of every node between start and end (summaries left out), as text."""
    out = []
    for node in nodes:
        try:
            lines = open(os.path.join(directory, f"{node}.ha.log"), errors="replace").read().splitlines()
        except OSError:
            continue
        picked = []
        for line in lines:
            try:
                event = json.loads(line)
                t = datetime.datetime.fromisoformat(event["time"].replace("Z", "+00:00")).timestamp()
            except (ValueError, KeyError, TypeError):
                continue
            if start <= t <= end and event.get("event") != "summary":
                picked.append(line)
        if len(picked) > limit:
            picked = picked[: limit // 2] + [f"... {len(picked) - limit} more ..."] + picked[-limit // 2:]
        out += [f"      {node}.ha.log: {line}" for line in picked]
    return out


def clock(t):
    return datetime.datetime.fromtimestamp(t).strftime("%H:%M:%S.%f")[:-3]


def report(directory, options):
    interval = options["interval_ms"] / 1000
    dead_window = interval * options["dead_after"]
    margin = options["margin_ms"] / 1000
    split_margin = options["split_margin_ms"] / 1000
    gateway_detect = options["gateway_detect_ms"] / 1000
    handover = interval + split_margin
    events = read_events(os.path.join(directory, "events.txt"))
    origin = next((t for t, e, _ in events if e == "start"), None)
    if origin is None:
        print("soak report: the soak never started (no 'start' event)")
        return 1
    end = next((t for t, e, _ in events if e == "end"), None)
    if end is None:
        end = time.time()

    # Faults, in order; each heal closes the last open fault.
    faults, skipped, crashes, nosettles, stop_exits, initial, settles, loads, notes = [], {}, [], [], [], {}, [], [], []
    instance_start = {}
    for t, event, args in events:
        if event == "fault":
            kind, node, role = args[0], args[1], args[2]
            faults.append(Fault(len(faults) + 1, t, kind, node, role, " ".join(args[3:])))
        elif event == "heal" and faults:
            faults[-1].heal = t
        elif event == "settled":
            settles.append((t, args))
            if faults and faults[-1].heal is not None and faults[-1].settled is None:
                faults[-1].settled = t
        elif event == "skip":
            skipped.setdefault(args[0], [0, " ".join(args[1:])])[0] += 1
        elif event == "crash":
            crashes.append((t, args))
        elif event == "nosettle":
            nosettles.append((t, args))
        elif event == "stopexit":
            stop_exits.append((t, args))
        elif event == "snapshot":
            initial[args[0]] = {"vip": args[1] == "1", "link": args[2] == "1"}
        elif event == "pid":
            instance_start[(args[0], args[1])] = t
        elif event == "load":
            loads.append(args)
        elif event == "note":
            notes.append((t, " ".join(args)))
    for fault in faults:
        if fault.heal is None:
            fault.heal = end

    nodes = sorted(initial) or ["lb-a", "lb-b"]
    changes = []
    for node in nodes:
        changes += read_monitor(os.path.join(directory, f"mon-{node}.txt"), node, options["vip"])
    segments = intervals(changes, initial, origin, end)
    merged = merge_by_count(segments)

    def detect(fault):
        return (gateway_detect if fault.kind == "linkdown" else dead_window) + margin

    zero_windows = union(
        [(f.start, f.start + detect(f)) for f in faults] + [(f.heal, f.heal + detect(f)) for f in faults]
    )
    split_windows = union([(f.start, f.heal + interval + split_margin) for f in faults if splits(f)])
    starts = [f.start for f in faults]

    def fault_at(t):
        index = bisect.bisect_right(starts, t) - 1
        if index < 0:
            return None
        return faults[index]

    def in_effect(t):
        fault = fault_at(t)
        if fault is None:
            return "no fault yet"
        if t <= fault.heal:
            return "during " + fault.describe(origin)
        return f"{(t - fault.heal) * 1000:.0f} ms after the heal of " + fault.describe(origin)

    breaks = []

    def add_break(kind, t, text, evidence_from=None, evidence_to=None):
        lines = []
        if evidence_from is not None:
            lines = ha_log_lines(directory, nodes, evidence_from, evidence_to)
        breaks.append((t, kind, text, lines))

    outages, handovers, splits_allowed, overlaps = [], [], [], []
    for start, stop, count, holder_sets in merged:
        length = stop - start
        if count == 0:
            fault = fault_at(start)
            outages.append((length, fault.kind if fault else "none"))
            missing, first = uncovered(start, stop, zero_windows)
            if missing > 0 and length > handover:
                add_break(
                    "zero-holders",
                    start,
                    f"nobody held the VIP for {length * 1000:.0f} ms from +{start - origin:.3f}s ({clock(start)}), "
                    f"{missing * 1000:.0f} ms of it outside any detection window; {in_effect(start)}",
                    start - 1.0,
                    stop + 0.5,
                )
            elif missing > 0:
                handovers.append(length)
        elif count == 2:
            missing, first = uncovered(start, stop, split_windows)
            if missing == 0:
                splits_allowed.append(length)
                continue
            if length <= handover:
                # A short overlap outside a split fault: a node that stalled (proxy load, CPU) resumes and
                # releases, or its peer yields, within one interval; allowed, but listed.
                overlaps.append(f"{length * 1000:.0f} ms at +{start - origin:.3f}s ({clock(start)}), {in_effect(start)}")
                continue
            fault = fault_at(start)
            if fault and splits(fault) and start <= fault.heal + interval + split_margin:
                detail = (
                    f"still two holders {(stop - fault.heal) * 1000:.0f} ms after the heal "
                    f"(allowed: one interval + {split_margin * 1000:.0f} ms = {handover * 1000:.0f} ms)"
                )
            else:
                detail = "no fault that leaves two holders was in place"
            add_break(
                "two-holders",
                start,
                f"both nodes held the VIP for {length * 1000:.0f} ms from +{start - origin:.3f}s ({clock(start)}): "
                f"{detail}; {in_effect(start)}",
                start - 1.0,
                stop + 0.5,
            )
    for t, args in crashes:
        add_break("crash", t, f"{args[0]} (pid {args[1]}) exited with status {args[2]} at +{t - origin:.3f}s "
                  f"({clock(t)}) without being killed (found at the next check); {in_effect(t)}; its log tail: "
                  f"{' '.join(args[3:])} in the kept logs")
    for t, args in nosettles:
        add_break("no-settle", t, f"the pair did not settle at +{t - origin:.3f}s ({clock(t)}): {' '.join(args)}; "
                  f"{in_effect(t)}", t - 3.0, t)
    for t, args in stop_exits:
        if args[1] != "0":
            add_break("crash", t, f"{args[0]} exited {args[1]} on SIGTERM at the end (expected 0)")

    # Resources per process instance: first/last/max over all samples; growth on quiet samples after warm-up.
    # Quiet: no client connections of a load or stall fault within a second (other faults move a descriptor or
    # two at most: a helper reconnecting, the heartbeat socket bound again).
    quiet_windows = union([(f.start - 0.5, (f.settled or f.heal) + 1.0) for f in faults if f.kind in ("load", "stall")])
    samples = {}
    try:
        for line in open(os.path.join(directory, "resources.txt")):
            parts = line.split()
            if len(parts) == 5:
                samples.setdefault((parts[1], parts[2]), []).append((float(parts[0]), int(parts[3]), int(parts[4])))
    except OSError:
        pass
    resource_lines = []
    for (role, pid), rows in sorted(samples.items(), key=lambda item: (item[0][0], item[1][0][0])):
        born = instance_start.get((role, pid), rows[0][0])
        quiet = [r for r in rows if r[0] >= born + options["warmup_s"] and r[0] <= end
                 and uncovered(r[0], r[0] + 1e-6, quiet_windows)[0] > 0]
        mib = lambda kb: kb / 1024
        line = (f"  {role:<12} pid {pid:<7} +{rows[0][0] - origin:7.1f}s..+{rows[-1][0] - origin:7.1f}s  "
                f"RSS first/last/max {mib(rows[0][1]):5.1f}/{mib(rows[-1][1]):5.1f}/{mib(max(r[1] for r in rows)):5.1f} MiB  "
                f"fds {rows[0][2]}/{rows[-1][2]}/{max(r[2] for r in rows)}")
        if len(quiet) >= 2:
            q0, q1 = quiet[0], quiet[-1]
            line += f"  quiet {mib(q0[1]):.1f}->{mib(q1[1]):.1f} MiB, {q0[2]}->{q1[2]} fds over {q1[0] - q0[0]:.0f}s"
            if q1[1] > q0[1] * (1 + RSS_GROWTH_RATIO) + RSS_GROWTH_KB:
                add_break("rss-growth", q1[0], f"{role} pid {pid}: RSS {mib(q0[1]):.1f} -> {mib(q1[1]):.1f} MiB "
                          f"(limit +{RSS_GROWTH_RATIO:.0%} + {RSS_GROWTH_KB // 1024} MiB)")
            if q1[2] > q0[2] + FD_GROWTH:
                add_break("fd-growth", q1[0], f"{role} pid {pid}: {q0[2]} -> {q1[2]} open descriptors "
                          f"(limit +{FD_GROWTH})")
        resource_lines.append(line)

    # Cross-check: the holder the soak saw at each settle is the one the timeline has.
    drift = 0
    for t, args in settles:
        seen = tuple(sorted(args[0].split(","))) if args and args[0] != "-" else ()
        index = bisect.bisect_right([s[0] for s in segments], t) - 1
        if 0 <= index < len(segments) and segments[index][2] != seen and t > origin + 0.5:
            drift += 1

    # Failovers no fault forced: the ACTIVE after a fault on the STANDBY (or a CPU or load fault) is not the
    # ACTIVE from before it.
    unforced = []
    settled_active = [(t, args[0]) for t, args in settles]
    settle_times_sorted = [t for t, _ in settled_active]
    for fault in faults:
        # A partition moves the VIP to the higher priority by design; nothing else on the STANDBY should move it,
        # and on either node neither CPU, load, a proxy stall nor a clock step at run time.
        if fault.settled is None or fault.kind == "partition":
            continue
        harmless = fault.kind in ("cpu", "load", "stall") or (fault.kind == "clock" and fault.param.startswith("step"))
        if fault.role != "standby" and not harmless:
            continue
        index = bisect.bisect_left(settle_times_sorted, fault.start) - 1
        if index < 0:
            continue
        before, after = settled_active[index][1], next((a for t, a in settled_active if t == fault.settled), None)
        if after and after != before:
            reasons = [line for line in ha_log_lines(directory, [after], fault.start, fault.settled, limit=40)
                       if '"to":"ACTIVE"' in line]
            why = ""
            if reasons:
                try:
                    why = json.loads(reasons[-1].split(".ha.log: ", 1)[1]).get("reason", "")
                except ValueError:
                    pass
            unforced.append(f"{fault.describe(origin)}: {before} -> {after}" + (f" ({after}: {why})" if why else ""))

    # Peer losses no fault explains: a peer_dead in a node's heartbeat log while no fault (or one that leaves its
    # heartbeats alone) was in place, from the fault's start to one second after its settle.
    unexplained = {}
    for node in nodes:
        try:
            lines = open(os.path.join(directory, f"{node}.ha.log"), errors="replace").read().splitlines()
        except OSError:
            continue
        for line in lines:
            if '"event":"peer_dead"' not in line:
                continue
            try:
                t = datetime.datetime.fromisoformat(json.loads(line)["time"].replace("Z", "+00:00")).timestamp()
            except (ValueError, KeyError):
                continue
            if not origin <= t <= end:
                continue
            fault = fault_at(t + 0.002)   # the log has milliseconds; the fault event microseconds
            if fault and t <= (fault.settled or fault.heal) + 1.0 and loses_peer(fault, node):
                continue
            key = (fault.kind if fault and t <= (fault.settled or fault.heal) + 1.0 else "no fault", node)
            entry = unexplained.setdefault(key, [0, None])
            entry[0] += 1
            entry[1] = entry[1] or f"first at +{t - origin:.3f}s, {in_effect(t)}"

    breaks.sort(key=lambda b: b[0])
    if options["partial"]:
        kinds = {}
        for _, kind, _, _ in breaks:
            kinds[kind] = kinds.get(kind, 0) + 1
        print(f"{len(faults)} faults, {len(breaks)} breaks" + (f" ({', '.join(f'{k} {v}' for k, v in kinds.items())})" if kinds else ""))
        return 1 if breaks else 0

    out = []
    out.append(f"soak report: seed {options['seed']}, duration {options['duration']} (ran {end - origin:.1f} s from "
               f"{clock(origin)}), interval {options['interval_ms']:g} ms, dead window {dead_window * 1000:.0f} ms")
    out.append(f"  tandem {options['tandem']}")
    per_kind = {}
    for fault in faults:
        per_kind[fault.kind] = per_kind.get(fault.kind, 0) + 1
    out.append(f"faults injected: {len(faults)}" + (" (" + ", ".join(f"{k} {v}" for k, v in sorted(per_kind.items())) + ")" if faults else ""))
    if skipped:
        out.append("faults skipped: " + ", ".join(f"{k} {n} ({why})" for k, (n, why) in sorted(skipped.items())))
    settle_times = [(f.settled - f.heal) * 1000 for f in faults if f.settled is not None]
    if settle_times:
        out.append(f"settled after the heal: p50 {percentile(settle_times, 0.5):.0f} ms, max {max(settle_times):.0f} ms "
                   f"(one holder, ACTIVE + STANDBY, both answering status)")
    zero = [o for o in outages if o[0] > 0]
    if zero:
        lengths = [o[0] * 1000 for o in zero]
        by_kind = {}
        for length, kind in zero:
            by_kind.setdefault(kind, []).append(length * 1000)
        out.append(f"failover outages (nobody holding the VIP): {len(zero)}, p50 {percentile(lengths, 0.5):.0f} ms, "
                   f"max {max(lengths):.0f} ms; by fault: " + ", ".join(
                       f"{k} {len(v)}x p50 {percentile(v, 0.5):.0f} max {max(v):.0f}" for k, v in sorted(by_kind.items())))
    else:
        out.append("failover outages (nobody holding the VIP): none")
    if handovers:
        out.append(f"handover gaps outside fault windows (allowed up to {handover * 1000:.0f} ms): {len(handovers)}, "
                   f"max {max(handovers) * 1000:.1f} ms")
    if splits_allowed:
        out.append(f"two holders while a split fault was in place (allowed): {len(splits_allowed)}, "
                   f"max {max(splits_allowed) * 1000:.0f} ms")
    if overlaps:
        out.append(f"short overlaps (two holders for at most {handover * 1000:.0f} ms, no split fault in place; allowed): "
                   f"{len(overlaps)}")
        out += [f"  {line}" for line in overlaps]
    if unforced:
        out.append(f"failovers no fault forced (the ACTIVE changed during a fault on the STANDBY other than a "
                   f"partition, or during CPU, load, a proxy stall or a clock step; not an invariant break, a cost): {len(unforced)}")
        out += [f"  {line}" for line in unforced]
    if unexplained:
        out.append("peer losses no fault explains (a node logged peer_dead while its peer's heartbeats should have "
                   "reached it; not an invariant break, a symptom): "
                   + ", ".join(f"{node} during {kind} {n}x" for (kind, node), (n, _) in sorted(unexplained.items())))
        out += [f"  {node} during {kind}: {first}" for (kind, node), (_, first) in sorted(unexplained.items())]
    for args in loads:
        out.append("  load: " + " ".join(args))
    for t, text in notes:
        out.append(f"  note +{t - origin:.1f}s: {text}")
    if drift:
        out.append(f"warning: at {drift} settle(s) the soak's own `holders` disagreed with the monitor's timeline")
    out.append("resources (per process; quiet = no load or stall fault within 1 s, after a "
               f"{options['warmup_s']:g} s warm-up):")
    out += resource_lines
    kinds = {}
    for _, kind, _, _ in breaks:
        kinds[kind] = kinds.get(kind, 0) + 1
    out.append(f"invariant breaks: {len(breaks)}" + (" (" + ", ".join(f"{k} {v}" for k, v in kinds.items()) + ")" if breaks else ""))
    for t, kind, text, lines in breaks:
        out.append(f"  [{kind}] {text}")
        out += lines
    out.append("result: " + ("FAIL" if breaks else "PASS"))
    text = "\n".join(out) + "\n"
    sys.stdout.write(text)
    if options["out"]:
        with open(options["out"], "w") as handle:
            handle.write(text)
    return 1 if breaks else 0


def main(argv):
    if len(argv) >= 3 and argv[0] == "sample":
        sample(argv[1], float(argv[2]))
        return 0
    if len(argv) >= 2 and argv[0] == "report":
        options = {
            "interval_ms": 20.0, "dead_after": 3, "margin_ms": 500.0, "split_margin_ms": 100.0,
            "gateway_detect_ms": 700.0, "warmup_s": 10.0, "seed": "?", "duration": "?", "tandem": "?",
            "out": "", "vip": "198.18.0.100", "partial": False,
        }
        rest = argv[2:]
        while rest:
            flag = rest.pop(0)
            if flag == "--partial":
                options["partial"] = True
                continue
            key = flag.lstrip("-").replace("-", "_")
            if key not in options or not rest:
                print(f"unknown or incomplete option {flag}", file=sys.stderr)
                return 2
            value = rest.pop(0)
            options[key] = type(options[key])(value) if isinstance(options[key], (int, float)) else value
        return report(argv[1], options)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
