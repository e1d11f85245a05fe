#!/usr/bin/env python3
"""Simulate other attune actors for the demo's bulletin.

While the demo dashboard runs, a Claude Code session and a CLI run are "in
flight": this process appends their heartbeats to <home>/bulletin/active.jsonl
every 20 seconds (the real actors write every 30), in the bulletin's shared
format, and ends them after a while so the strip changes. Stops when its
parent (the demo script) dies.

Usage: demo_actors.py --home DIR --project DIR
"""

import argparse
import json
import os
import random
import time
from datetime import datetime, timezone
from pathlib import Path


def now() -> str:
    return datetime.now(timezone.utc).isoformat()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--home", required=True, type=Path)
    ap.add_argument("--project", required=True, type=Path)
    a = ap.parse_args()
    active = a.home / "bulletin" / "active.jsonl"
    active.parent.mkdir(parents=True, exist_ok=True)
    parent = os.getppid()
    rnd = random.Random()
    actors = [
        {"actor_id": "cc-7f3a9c21b004", "actor_kind": "claude-code-session", "workflow": "doc-audit", "scope": str(a.project / "docs")},
        {"actor_id": "cli-devbox-41873", "actor_kind": "cli", "workflow": "test-audit", "scope": None},
    ]
    runs = {}
    while os.getppid() == parent:
        for actor in actors:
            key = actor["actor_id"]
            run = runs.get(key)
            if run is None or run["beats"] >= run["life"]:
                if run is not None:
                    write(active, actor, run, rnd.choice(["completed", "completed", "failed"]))
                run = runs[key] = {"id": "%012x" % rnd.getrandbits(48), "start": now(), "beats": 0, "life": rnd.randint(6, 15)}
            run["beats"] += 1
            write(active, actor, run, "running")
        time.sleep(20)


def write(path: Path, actor: dict, run: dict, status: str) -> None:
    entry = {"actor_id": actor["actor_id"], "actor_kind": actor["actor_kind"], "workflow": actor["workflow"], "run_id": run["id"],
             "started_at": run["start"], "last_heartbeat": now(), "current_status": status, "scope": actor["scope"], "hostname": None}
    line = (json.dumps(entry) + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


if __name__ == "__main__":
    main()
