#!/usr/bin/env python3
"""Side-by-side tables of one bench run: wsevent against Nchan, with ratios.

    scripts/bench-tables.py RUNS.jsonl [--run ID] [--commit SHA] [--append RESULTS.jsonl]

RUNS.jsonl holds the JSON lines wsevent-bench printed (one per run, `label` naming the server,
`scenario` the cell of the matrix). Prints Markdown tables (they go into docs/BENCHMARKS.md as
they are). With --append, every line is also appended to RESULTS.jsonl with `bench_run`,
`commit` and `date` added, so one file keeps every run and scripts/docs/bench-plot can draw any.
Only the standard library: scripts/bench runs it on a bare machine.
"""

import argparse
import datetime
import json
import sys

SERVERS = ("wsevent", "nchan")


def load(path):
    runs = []
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            line = line.strip()
            if line.startswith("{"):
                runs.append(json.loads(line))
    return runs


def get(run, *keys):
    """run[k1][k2]..., or None where any part is missing."""
    value = run
    for key in keys:
        if not isinstance(value, dict) or value.get(key) is None:
            return None
        value = value[key]
    return value


def number(value, digits=0):
    if value is None:
        return "–"
    if isinstance(value, (int, float)) and digits == 0:
        return f"{value:,.0f}".replace(",", " ")
    return f"{value:.{digits}f}"


def ratio(ours, theirs, invert=False):
    """ours/theirs (theirs/ours with invert: for figures where smaller is better)."""
    if ours is None or theirs is None or ours == 0 or theirs == 0:
        return "–"
    value = theirs / ours if invert else ours / theirs
    return f"{value:.2f}×"


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(out)


def closes(run):
    closed = get(run, "closed") or {}
    refused = get(run, "handshakes", "refused") or {}
    parts = [f"closed {k}: {v}" for k, v in sorted(closed.items())]
    parts += [f"refused {k}: {v}" for k, v in sorted(refused.items())]
    return ", ".join(parts) if parts else ""


def side_by_side(runs):
    by = {}
    order = []
    for run in runs:
        scenario = run.get("scenario") or run.get("mode")
        if scenario not in order:
            order.append(scenario)
        by[(scenario, run.get("label"))] = run
    present = [s for s in SERVERS if any(label == s for (_, label) in by)]
    both = len(present) == 2
    w, n = "wsevent", "nchan"
    sections = []

    fanout = [s for s in order if any(get(by.get((s, x)) or {}, "mode") == "fan-out" for x in present)]
    if fanout:
        # Delivery: how much, at what CPU cost, and whether anything was lost.
        header = ["scenario"]
        for label in present:
            header += [f"{label} msgs/s"]
        if both:
            header += ["ratio"]
        for label in present:
            header += [f"{label} msgs/CPU-s"]
        if both:
            header += ["ratio"]
        for label in present:
            header += [f"{label} lost"]
        rows = []
        notes = []
        for scenario in fanout:
            runs = {label: by.get((scenario, label)) or {} for label in present}
            row = [scenario]
            row += [number(get(runs[label], "delivered", "per_second")) for label in present]
            if both:
                row += [ratio(get(runs[w], "delivered", "per_second"), get(runs[n], "delivered", "per_second"))]
            row += [number(get(runs[label], "server", "delivered_per_cpu_second")) for label in present]
            if both:
                row += [ratio(get(runs[w], "server", "delivered_per_cpu_second"), get(runs[n], "server", "delivered_per_cpu_second"))]
            row += [number(get(runs[label], "lost")) for label in present]
            rows.append(row)
            for label in present:
                if closes(runs[label]):
                    notes.append(f"{scenario} {label}: {closes(runs[label])}")
                failed = get(runs[label], "published", "failed") or {}
                if failed:
                    notes.append(f"{scenario} {label}: publishes failed " + ", ".join(f"{k}: {v}" for k, v in sorted(failed.items())))
                if get(runs[label], "error"):
                    notes.append(f"{scenario} {label}: error: {runs[label]['error']}")
        text = ("Fan-out: delivery (msgs/s delivered in all; msgs/CPU-s per server CPU-second, children included; "
                "ratios wsevent/Nchan, above 1 is wsevent ahead)\n\n" + table(header, rows))
        if notes:
            text += "\n\n" + "\n".join(f"- {note}" for note in notes)
        sections.append(text)

        # Latency, and how busy the generator and the server were.
        header = ["scenario"]
        for label in present:
            header += [f"{label} p50 ms", f"{label} p99 ms"]
        if both:
            header += ["p99 ratio"]
        for label in present:
            header += [f"{label} server CPU %", f"{label} gen CPU %"]
        rows = []
        for scenario in fanout:
            runs = {label: by.get((scenario, label)) or {} for label in present}
            row = [scenario]
            for label in present:
                row += [number(get(runs[label], "latency_ms", "p50"), 2), number(get(runs[label], "latency_ms", "p99"), 2)]
            if both:
                row += [ratio(get(runs[w], "latency_ms", "p99"), get(runs[n], "latency_ms", "p99"), invert=True)]
            for label in present:
                row += [number(get(runs[label], "server", "cpu_percent")), number(get(runs[label], "generator", "cpu_percent"))]
            rows.append(row)
        sections.append(
            "Fan-out: latency (publish to receipt; p99 ratio Nchan/wsevent, above 1 is wsevent ahead) and CPU "
            "(% of one core; 200 = both cores)\n\n" + table(header, rows))

    idle = [s for s in order if any(get(by.get((s, x)) or {}, "mode") == "idle" for x in present)]
    if idle:
        header = ["scenario"]
        for label in present:
            header += [f"{label} connected", f"{label} RSS B/conn", f"{label} PSS B/conn"]
        if both:
            header += ["RSS ratio (Nchan/wsevent)"]
        rows = []
        for scenario in idle:
            row = [scenario]
            for label in present:
                run = by.get((scenario, label)) or {}
                row += [
                    number(get(run, "handshakes", "connected")),
                    number(get(run, "idle", "rss_per_connection")),
                    number(get(run, "idle", "pss_per_connection")),
                ]
            if both:
                row += [ratio(get(by.get((scenario, w)) or {}, "idle", "rss_per_connection"),
                              get(by.get((scenario, n)) or {}, "idle", "rss_per_connection"), invert=True)]
            rows.append(row)
        sections.append("Idle memory per WebSocket connection\n\n" + table(header, rows))

    handshakes = [s for s in order if any(get(by.get((s, x)) or {}, "mode") == "handshake" for x in present)]
    if handshakes:
        header = ["scenario"]
        for label in present:
            header += [f"{label} handshakes/s", f"{label} p99 ms", f"{label} server CPU %"]
        if both:
            header += ["ratio"]
        rows = []
        for scenario in handshakes:
            row = [scenario]
            for label in present:
                run = by.get((scenario, label)) or {}
                row += [
                    number(get(run, "handshakes", "per_second")),
                    number(get(run, "handshakes", "p99_ms"), 2),
                    number(get(run, "server", "cpu_percent"), 0),
                ]
            if both:
                row += [ratio(get(by.get((scenario, w)) or {}, "handshakes", "per_second"),
                              get(by.get((scenario, n)) or {}, "handshakes", "per_second"))]
            rows.append(row)
        sections.append("Handshake rate\n\n" + table(header, rows))

    chains = [s for s in order if any(get(by.get((s, x)) or {}, "mode") == "chain" for x in present)]
    if chains:
        header = ["scenario", "server", "events/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "lost", "reordered"]
        rows = []
        for scenario in chains:
            for label in present:
                run = by.get((scenario, label))
                if not run:
                    continue
                rows.append([
                    scenario, label, number(get(run, "published", "per_second")),
                    number(get(run, "latency_ms", "p50"), 3), number(get(run, "latency_ms", "p90"), 3),
                    number(get(run, "latency_ms", "p99"), 3), number(get(run, "latency_ms", "max"), 3),
                    number(get(run, "lost")), number(get(run, "reordered")),
                ])
        sections.append("Chain latency (publish at the head, subscribe at the tail)\n\n" + table(header, rows))
    return "\n\n".join(sections)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs")
    parser.add_argument("--run", help="the bench run's id, added to appended lines")
    parser.add_argument("--commit", help="the commit measured, added to appended lines")
    parser.add_argument("--append", help="append the lines, with run, commit and date, to this file")
    args = parser.parse_args()
    runs = load(args.runs)
    if not runs:
        print("no runs in " + args.runs, file=sys.stderr)
        return 1
    print(side_by_side(runs))
    if args.append:
        date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        with open(args.append, "a", encoding="utf-8") as out:
            for run in runs:
                run = dict(run, bench_run=args.run, commit=args.commit, date=date)
                out.write(json.dumps(run, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
