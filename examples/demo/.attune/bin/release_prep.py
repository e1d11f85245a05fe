#!/usr/bin/env python3
"""release-prep: the checks in sequence, then a go/no-go decision."""

import subprocess
import sys
import time
from pathlib import Path

from _common import *  # noqa: F403

args("Prepare a release", scoped=False)
here = Path(__file__).resolve().parent
steps = [("triage", "dependency_check.py"), ("parallel-validation", "security_audit.py"),
         ("parallel-validation", "test_audit.py"), ("synthesis", "doc_audit.py")]
results = []
for stage, script in steps:
    heading(f"[{stage}] {script.removesuffix('.py').replace('_', '-')}")
    for i in range(3):
        print(f"{DIM}  … {['preparing', 'running', 'collecting'][i]}{RESET}", flush=True)
        time.sleep(1)
    env = dict(**__import__("os").environ)
    env.pop("ATTUNE_RUN_META_EMIT", None)  # the sub-steps' reports are not ours
    proc = subprocess.run([sys.executable, str(here / script)], capture_output=True, text=True, env=env)
    for line in proc.stdout.splitlines():
        if not line.startswith("ATTUNE_"):
            print("    " + line, flush=True)
    for line in proc.stderr.splitlines():
        print("    " + line, file=sys.stderr, flush=True)
    high = proc.stdout.count("HIGH")
    results.append((script, proc.returncode, high))
    time.sleep(1)
heading("[decision]")
blocking = [r for r in results if r[1] != 0 or r[2] > 0]
if blocking:
    print(f"  {RED}{BOLD}NO-GO{RESET}: {len(blocking)} check(s) block the release")
    for script, code, high in blocking:
        print(f"    - {script}: exit {code}, {high} high finding(s)")
else:
    print(f"  {GREEN}{BOLD}GO{RESET}: all checks passed")
report("Release readiness", "No-go: fix the blocking findings." if blocking else "Go.",
       [{"kind": "table", "title": "Checks", "tier": "essential", "columns": ["check", "exit", "high"],
         "rows": [{"check": s, "exit": c, "high": h} for s, c, h in results]}],
       score=100 - 25 * len(blocking))
if blocking:
    recommend("security-audit", "Fix the security findings that block the release", "high")
