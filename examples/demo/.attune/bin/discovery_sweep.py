#!/usr/bin/env python3
"""discovery-sweep: several cheap checks over the scope, their findings
routed to a queue (ready for review), questions (need a person's call) and
rejected (filtered by rules). With ATTUNE_DS_EMIT set it also prints the
ATTUNE_DS side channel the dashboard keeps the result from."""

import datetime as dt
import json
import os
import re
import time

from _common import *  # noqa: F403

EMIT = bool(os.environ.get("ATTUNE_DS_EMIT"))

CHECKS = {
    "security-audit": [
        ("high", re.compile(r"""(?i)(password|passwd|secret|api_key)\s*=\s*["'][^"']+["']"""), "Hard-coded credential", 0.9),
        ("high", re.compile(r"\beval\(|\bexec\("), "eval/exec of data", 0.8),
        ("medium", re.compile(r"shell\s*=\s*True"), "subprocess with shell=True", 0.7),
        ("low", re.compile(r"verify\s*=\s*False"), "TLS verification disabled", 0.6),
    ],
    "code-review": [
        ("medium", re.compile(r"#\s*(TODO|FIXME)\b"), "Unfinished work marker", 0.4),
        ("info", re.compile(r"^\s*print\("), "Debug print left in", 0.5),
    ],
}


def ds(line: str) -> None:
    if EMIT:
        print(f"ATTUNE_DS {line}", flush=True)


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat()


a = args("Sweep the scope with several checks and route what they find")
base = scope(a)
heading(f"Discovery sweep of {rel(base)}")
if EMIT:
    print("ATTUNE_DS_VERSION 1", flush=True)
started = time.monotonic()
findings = []
for source, rules in CHECKS.items():
    ds(f"source_started {source} ts={now()}")
    n = 0
    for f in files(base, (".py", ".toml", ".cfg")):
        time.sleep(0.02)
        for i, line in enumerate(f.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            for sev, rx, title, conf in rules:
                if rx.search(line):
                    findings.append({"source": source, "severity": sev, "title": title, "description": line.strip()[:200],
                                     "file": rel(f), "line": i, "evidence": line.strip()[:200], "confidence": conf,
                                     "tags": [source.split("-")[0]], "raw": None})
                    n += 1
    ds(f"source_finished {source} ts={now()} findings={n}")
    print(f"  {source}: {n} finding(s)")
ds(f"source_failed perf-audit ts={now()} error=TimeoutError")
print(f"  perf-audit: {RED}failed{RESET} (timed out)")

queue, questions, rejected = [], [], []
for x in findings:
    if x["severity"] in ("info", "low"):
        rejected.append({"finding": x, "rule": "SEVERITY_BELOW_THRESHOLD"})
    elif x["confidence"] < 0.5:
        questions.append({"finding": x, "reason": "LOW_CONFIDENCE", "next_step": "Read the line and decide whether it is real work"})
    else:
        queue.append(x)
result = {
    "queue": queue,
    "questions": questions,
    "rejected": rejected,
    "metadata": {"spent_usd": 0.0, "budget_usd": 0.5, "sources": list(CHECKS) + ["perf-audit"],
                 "failures": ["perf-audit"], "duration_ms": int((time.monotonic() - started) * 1000)},
}
heading("Result")
print(f"  queue {len(queue)} · questions {len(questions)} · rejected {len(rejected)}")
ds("final " + json.dumps(result))
