"""Scheduler dispatch latency from an apply journal: for every step with dependencies, the
time from its last dependency ending to its own first start.
    python3 scripts/bench/dispatch_latency.py PLAN.json JOURNAL.jsonl"""
import json, sys
plan = json.load(open(sys.argv[1]))
deps = {s["address"]: s["depends_on"] for s in plan["execution"]["steps"]}
start, end = {}, {}
for line in open(sys.argv[2]):
    e = json.loads(line)
    if e["event"] == "start":
        start.setdefault(e["address"], e["at_ms"])
    elif e["status"] == "succeeded":
        end[e["address"]] = e["at_ms"]
gaps = sorted(start[a] - max(end[d] for d in ds) for a, ds in deps.items() if ds and a in start and all(d in end for d in ds))
print(f"{len(gaps)} dependent steps: dispatch latency min {gaps[0]} ms, median {gaps[len(gaps)//2]} ms, max {gaps[-1]} ms")
