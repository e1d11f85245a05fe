#!/usr/bin/env python3
"""diagnose: why did a run fail? Reads the failed run's record and log tail
from the attune home, ranks a few hypotheses by fixed rules (no model is
called), and appends a diagnosis record to
<home>/telemetry/diagnosis_records.jsonl, the stream attune's own
`attune diagnose` writes. The dashboard starts it from a failed run's page
with the run's id as its last argument."""

import datetime as dt
import json
import os
import re
import sys
import uuid
from pathlib import Path

from _common import BOLD, GREEN, RED, RESET, heading

RULES = [
    (re.compile(r"Traceback|Error:|Exception"), "The workflow's own code raised an exception", "high"),
    (re.compile(r"(?i)\bfailed\b|\bFAIL\b"), "A check the workflow runs reported a failure", "medium"),
    (re.compile(r"(?i)timed? ?out|timeout"), "Something it waited for timed out", "medium"),
    (re.compile(r"(?i)not found|no such file"), "A file or command it needs is missing", "medium"),
]


def main() -> int:
    if len(sys.argv) < 2:
        print("usage: diagnose.py <run_id>", file=sys.stderr)
        return 2
    run_id = sys.argv[-1]
    home = Path(os.environ.get("ATTUNE_HOME") or Path.home() / ".attune").expanduser()
    records = list((home / "ops" / "runs").glob(f"*/{run_id}.json"))
    if not records:
        print(f"cannot diagnose: run {run_id} not found under {home / 'ops' / 'runs'}")
        return 1
    rec = json.loads(records[0].read_text(encoding="utf-8"))
    if rec.get("status") != "failed":
        print(f"cannot diagnose: run {run_id} did not fail ({rec.get('status')})")
        return 1
    wf = rec.get("workflow", "")
    lines = [str(x) for x in rec.get("lines") or []]
    tail = lines[-40:]
    heading(f"Diagnosing {wf} run {run_id}")
    symptom = rec.get("sdk_stderr") or f"ops run failed (exit {rec.get('exit_code')}, sdk_error_kind={rec.get('sdk_error_kind')})"
    print(f"  symptom: {symptom}")
    hypotheses, evidence = [], [{"kind": "observed", "source": "run-record", "content": json.dumps({k: rec.get(k) for k in ("workflow", "status", "exit_code", "path")})}]
    for rx, statement, confidence in RULES:
        hits = [x for x in tail if rx.search(x)]
        if hits:
            hypotheses.append({"statement": statement, "rank": len(hypotheses) + 1, "confidence": confidence,
                               "supporting": ["log-tail"], "contradicting": []})
            evidence.append({"kind": "observed", "source": "log-tail", "content": hits[-1][:300]})
    if not hypotheses:
        hypotheses.append({"statement": f"The workflow exited {rec.get('exit_code')} without saying why", "rank": 1,
                           "confidence": "low", "supporting": ["run-record"], "contradicting": []})
    top = hypotheses[0]
    synthesis = f"Most likely: {top['statement'].lower()} ({top['confidence']} confidence, from the last {len(tail)} log lines)."
    record = {
        "diagnosis_id": uuid.uuid4().hex[:12], "source_run_id": run_id, "workflow_name": wf,
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(), "schema_version": 1, "status": "open",
        "origin": "operational", "symptom": symptom, "prior_lessons": [], "priors_degraded": "demo: no memory recall",
        "evidence": evidence, "hypotheses": hypotheses, "synthesis": synthesis, "dissent": [],
        "panel": {"seats_invoked": [], "absences": [{"seat": "claude", "reason": "SEAT_ABSENT"}], "failure_codes": [], "invocations": 0},
        "proposed_fix": {}, "config_used": {"confidence_scale": ["low", "medium", "high"]},
    }
    stream = home / "telemetry" / "diagnosis_records.jsonl"
    stream.parent.mkdir(parents=True, exist_ok=True)
    with stream.open("a", encoding="utf-8") as f:
        f.write(json.dumps(record) + "\n")
    for h in hypotheses:
        colour = RED if h["confidence"] == "high" else ""
        print(f"  {h['rank']}. {colour}{h['statement']}{RESET} ({h['confidence']})")
    print(f"{BOLD}{GREEN}diagnosis {record['diagnosis_id']}{RESET}: {synthesis}")
    print("persisted to the canonical diagnosis stream")
    return 0


if __name__ == "__main__":
    sys.exit(main())
