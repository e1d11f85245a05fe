#!/usr/bin/env python3
"""Generate the demo attune home for examples/demo.

Deterministic (fixed seed) except that every timestamp is relative to now,
so the demo never looks stale. Writes, under --home:

  telemetry/usage.jsonl                 60 days of workflow usage events
  ops/runs/<workflow>/<id>.json (+.log) past runs, in the reference format
  bulletin/archive/YYYY-MM-DD.jsonl     past bulletin days
  claude/projects/<encoded root>/*.jsonl Claude Code sessions of the project
  ops/gates/verdicts.jsonl              gate verdicts for some specs

Usage: gen_demo_home.py --home DIR --project DIR [--force]
"""

import argparse
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

SEED = 20261123
WORKFLOWS = {
    # name: (typical duration s, failure rate, models)
    "code-review": (45, 0.10, ["claude-sonnet-4-5", "claude-haiku-4-5"]),
    "security-audit": (80, 0.15, ["claude-sonnet-4-5", "claude-opus-4-1"]),
    "test-audit": (30, 0.20, ["claude-sonnet-4-5"]),
    "doc-audit": (20, 0.05, ["claude-haiku-4-5"]),
    "dependency-check": (10, 0.05, ["claude-haiku-4-5"]),
    "release-prep": (240, 0.25, ["claude-sonnet-4-5", "claude-opus-4-1", "claude-haiku-4-5"]),
}
PRICES = {"claude-haiku-4-5": (1.0, 5.0), "claude-sonnet-4-5": (3.0, 15.0), "claude-opus-4-1": (15.0, 75.0)}
SCOPES = ["src/shop/auth", "src/shop/cart", "src/shop/payments", "src/shop/catalog", "docs", None]


def iso(dt: datetime) -> str:
    """Python isoformat of an aware UTC datetime (the reference's format)."""
    return dt.astimezone(timezone.utc).isoformat()


def zts(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def set_mtime(p: Path, dt: datetime) -> None:
    t = dt.timestamp()
    os.utime(p, (t, t))


def telemetry(home: Path, now: datetime, rnd: random.Random) -> int:
    path = home / "telemetry" / "usage.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    seq = 0
    for day in range(60, -1, -1):
        date = now - timedelta(days=day)
        weekday = date.weekday() < 5
        n = rnd.randint(8, 30) if weekday else rnd.randint(0, 6)
        if day == 0:
            n = max(3, int(n * (now.hour + 1) / 24))
        for _ in range(n):
            wf = rnd.choice(list(WORKFLOWS))
            model = rnd.choice(WORKFLOWS[wf][2])
            tin, tout = rnd.randint(800, 24000), rnd.randint(100, 4000)
            pin, pout = PRICES[model]
            cost = round((tin * pin + tout * pout) / 1e6, 6)
            hit = rnd.random() < 0.3
            if day:
                ts = date.replace(hour=rnd.randint(0, 23), minute=rnd.randint(0, 59), second=rnd.randint(0, 59), microsecond=rnd.randint(0, 999999))
            else:
                # Today: between midnight (UTC) and now.
                midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
                ts = midnight + (now - midnight) * rnd.random()
            seq += 1
            ev = {"v": "1.0", "ts": zts(ts), "workflow": wf, "stage": rnd.choice(["triage", "agent-review", "synthesis"]),
                  "tier": rnd.choice(["CHEAP", "CAPABLE", "PREMIUM"]), "model": model, "provider": "anthropic", "cost": cost,
                  "tokens": {"input": tin, "output": tout}, "cache": {"hit": hit}, "duration_ms": rnd.randint(300, 20000),
                  "user_id": "5e1c0b9a77d2f3aa", "seq": seq}
            if hit:
                ev["cache"]["type"] = "prompt"
                ev["prompt_cache"] = {"hit": True, "creation_tokens": 0, "read_tokens": tin // 2}
            lines.append((ts, json.dumps(ev, separators=(",", ":"))))
    # A few legacy-format lines, as older attune versions wrote them.
    for k in range(5):
        ts = now - timedelta(days=40 + k)
        lines.append((ts, json.dumps({"timestamp": ts.isoformat(), "event_type": "code-review", "total_cost": 0.02 + k / 100, "savings": 0.005})))
    lines.sort(key=lambda x: x[0])
    out = [l for _, l in lines]
    # Garbage a real file accumulates (a torn write, a blank line): the
    # dashboard skips these and says so.
    out.insert(len(out) // 2, "")
    out.insert(len(out) // 3, '{"v":"1.0","ts":"2026-')
    path.write_text("\n".join(out) + "\n")
    # Written "when" its last event was: the file's time comes from the
    # kernel's clock, which a faked clock (E2E_FAKETIME) does not move.
    set_mtime(path, lines[-1][0])
    return len(out)


def run_output(wf: str, scope: str | None, ok: bool, rnd: random.Random) -> list[tuple[str, str]]:
    """Plausible output lines: (stream, text)."""
    B, R, G, Y, D, X = "\033[1m", "\033[31m", "\033[32m", "\033[33m", "\033[2m", "\033[0m"
    out = [("o", f"{B}\033[34m==>{X} {B}{wf} on {scope or 'the whole project'}{X}")]
    files = ["login.py", "permissions.py", "cart.py", "pricing.py", "gateway.py", "search.py", "refunds.py"]
    for _ in range(rnd.randint(6, 40)):
        f = rnd.choice(files)
        sev = rnd.choice(["low", "medium", "info", "medium", "high"])
        col = {"high": R + B, "medium": Y, "low": "\033[36m", "info": D}[sev]
        out.append(("o", f"  {col}{sev.upper():<6}{X} {D}src/shop/{f}:{rnd.randint(1, 80)}{X}  {rnd.choice(['function is long', 'TODO left in code', 'hard-coded credential', 'shell=True', 'untested branch'])}"))
    if wf == "test-audit":
        out += [("e", "test_add_merges_lines (test_cart.CartTest.test_add_merges_lines) ... ok"),
                ("e", "test_welcome_coupon (test_cart.CartTest.test_welcome_coupon) ... " + ("ok" if ok else "FAIL")),
                ("e", "-" * 70), ("e", f"Ran 6 tests in 0.00{rnd.randint(1, 9)}s"), ("e", "OK" if ok else "FAILED (failures=1)")]
    if not ok:
        out += [("e", "Traceback (most recent call last):"), ("e", '  File "src/shop/cart/pricing.py", line 12, in apply_bulk_discount'),
                ("e", "ValueError: weight must be positive")]
    out.append(("o", f"  {G if ok else R}{'done' if ok else 'failed'}{X}"))
    return out


def runs(home: Path, project: Path, now: datetime, rnd: random.Random) -> int:
    base = home / "ops" / "runs"
    count = 0
    for i in range(48):
        wf = rnd.choice(list(WORKFLOWS))
        typical, fail_rate, _ = WORKFLOWS[wf]
        started = now - timedelta(days=rnd.uniform(0.02, 21), seconds=rnd.randint(0, 3600))
        duration = max(1.5, rnd.gauss(typical, typical / 3))
        completed = started + timedelta(seconds=duration)
        ok = rnd.random() > fail_rate
        scope = rnd.choice(SCOPES) if wf not in ("dependency-check", "release-prep") else None
        path = str(project / scope) if scope else None
        script = wf.replace("-", "_") + ".py"
        command = ["python3", str(project / ".attune" / "bin" / script)] + (["--path", path] if path else [])
        body = run_output(wf, scope, ok, rnd)
        lines = ["$ " + " ".join(command)] + [t for _, t in body]
        rid = "%012x" % rnd.getrandbits(48)
        rec = {
            "id": rid, "workflow": wf, "status": "completed" if ok else "failed", "exit_code": 0 if ok else 1,
            "started_at": iso(started), "completed_at": iso(completed), "duration_seconds": round(duration, 6),
            "line_count": len(lines), "path": path,
            "trigger": rnd.choice(["manual", "manual", "attune-rec", None]), "command": command,
            "sdk_stderr": None, "sdk_error_kind": None, "report": None, "lines": lines,
            "persisted_at": iso(completed + timedelta(milliseconds=13)),
        }
        d = base / wf
        d.mkdir(parents=True, exist_ok=True)
        p = d / f"{rid}.json"
        p.write_text(json.dumps(rec, indent=2))  # exactly the reference's bytes
        set_mtime(p, completed)
        # Half of the runs also keep their full log (streams and times).
        if i % 2 == 0:
            t0 = int(started.timestamp() * 1000)
            step = max(1, int(duration * 1000 / len(lines)))
            rows = [f"{t0}\tm\t{lines[0]}"] + [f"{t0 + (k + 1) * step}\t{s}\t{t}" for k, (s, t) in enumerate(body)]
            lp = d / f"{rid}.log"
            lp.write_text("\n".join(rows) + "\n")
            set_mtime(lp, completed)
        count += 1
    return count


def bulletin(home: Path, now: datetime, rnd: random.Random) -> int:
    arch = home / "bulletin" / "archive"
    arch.mkdir(parents=True, exist_ok=True)
    actors = [("cc-7f3a9c21b004", "claude-code-session"), ("cli-devbox-41873", "cli"), ("dashboard-ci-runner", "dashboard"), ("mcp-devbox-5120", "mcp")]
    n = 0
    for day in range(1, 8):
        date = (now - timedelta(days=day)).date()
        rows = []
        for _ in range(rnd.randint(3, 9)):
            actor, kind = rnd.choice(actors)
            wf = rnd.choice(list(WORKFLOWS))
            rid = "%012x" % rnd.getrandbits(48)
            start = datetime(date.year, date.month, date.day, rnd.randint(8, 19), rnd.randint(0, 59), tzinfo=timezone.utc)
            for k, status in enumerate(["running", "running", rnd.choice(["completed", "completed", "failed", "cancelled"])]):
                hb = start + timedelta(seconds=30 * k)
                rows.append(json.dumps({"actor_id": actor, "actor_kind": kind, "workflow": wf, "run_id": rid, "started_at": iso(start),
                                        "last_heartbeat": iso(hb), "current_status": status, "scope": rnd.choice(SCOPES), "hostname": None}))
                n += 1
        (arch / f"{date.isoformat()}.jsonl").write_text("\n".join(rows) + "\n")
    return n


def encode_root(root: Path) -> str:
    s = str(root.resolve())
    for ch in "/\\:":
        s = s.replace(ch, "-")
    return s


PROMPTS = [
    "Fix the flaky test in test_cart.py — the coupon test fails on CI about once a week",
    "Why does shipping_cents return 199 for a 50 g parcel? Walk me through the branches.",
    "Add a refund endpoint that checks the staff role first.\nKeep the existing permission helper.",
    "Review src/shop/payments/gateway.py for security issues before the release",
    "Write docs for the catalog search, including the admin price filter",
    "Our API_KEY=sk-ant-api03-abcdefghijklmnop1234567890 leaked in a log, rotate it and scrub the history",
    "Refactor pricing.py: the shipping function has too many parameters",
]


def sessions(claude: Path, project: Path, now: datetime, rnd: random.Random) -> int:
    enc = encode_root(project)
    dirs = [claude / "projects" / enc, claude / "projects" / f"{enc}-feature-refunds"]
    for d in dirs:
        d.mkdir(parents=True, exist_ok=True)
    n = 0
    for i in range(14):
        sid = str(uuid.UUID(int=rnd.getrandbits(128)))
        d = dirs[0] if i % 4 else dirs[1]
        start = now - timedelta(days=rnd.uniform(0, 9), minutes=rnd.randint(0, 600))
        if i == 0:
            start = now - timedelta(minutes=25)  # still active
        branch = "main" if d == dirs[0] else "feature/refunds"
        model = rnd.choice(["claude-sonnet-4-5-20250929", "claude-opus-4-1-20250805", "claude-haiku-4-5-20251001"])
        t = start
        rows = [{"type": "summary", "summary": "Shop maintenance", "leafUuid": str(uuid.UUID(int=rnd.getrandbits(128)))}]
        prompt = PROMPTS[i % len(PROMPTS)]
        turns = rnd.randint(2, 7)
        for k in range(turns):
            text = prompt if k == 0 else rnd.choice(["Yes, go ahead.", "Now run the tests.", "Can you explain that diff?", "Looks good, commit it."])
            rows.append({"type": "queue-operation", "operation": "enqueue", "timestamp": zts(t), "content": text, "sessionId": sid})
            rows.append({"type": "user", "message": {"role": "user", "content": text}, "timestamp": zts(t), "sessionId": sid,
                         "cwd": str(project), "gitBranch": branch, "version": "2.0.31", "uuid": str(uuid.UUID(int=rnd.getrandbits(128)))})
            t += timedelta(seconds=rnd.randint(5, 90))
            if i == 0:
                t = min(t, now - timedelta(seconds=40))  # active, but never in the future
            usage = {"input_tokens": rnd.randint(500, 9000), "output_tokens": rnd.randint(80, 2500),
                     "cache_read_input_tokens": rnd.randint(0, 30000), "cache_creation_input_tokens": rnd.randint(0, 4000)}
            rows.append({"type": "assistant", "message": {"model": model, "role": "assistant", "content": [
                {"type": "text", "text": rnd.choice(["I'll look at the code first.", "Here is what I found.", "Done — the tests pass."])},
                {"type": "tool_use", "id": "toolu_%08x" % rnd.getrandbits(32), "name": rnd.choice(["Read", "Edit", "Bash", "Grep"]),
                 "input": {"file_path": str(project / "src/shop/cart/pricing.py")}}],
                "usage": usage}, "timestamp": zts(t), "sessionId": sid, "cwd": str(project), "gitBranch": branch})
            t += timedelta(seconds=rnd.randint(20, 400))
            if i == 0:
                t = min(t, now - timedelta(seconds=20))
        p = d / f"{sid}.jsonl"
        body = "\n".join(json.dumps(r) for r in rows) + "\n"
        if i == 3:
            body += "{not json at all\n"  # a torn line: skipped, never fatal
        p.write_text(body)
        set_mtime(p, t)
        n += 1
    return n


def gates(home: Path) -> None:
    p = home / "ops" / "gates" / "verdicts.jsonl"
    p.parent.mkdir(parents=True, exist_ok=True)
    rows = [
        {"target_artifact": "docs/specs/refund-endpoint/requirements.md", "evaluation_state": "pass", "gate_id": "G2", "phase": "requirements"},
        {"target_artifact": "docs/specs/session-hardening/design.md", "evaluation_state": "needs-work", "gate_id": "G3", "phase": "design"},
    ]
    p.write_text("\n".join(json.dumps(r) for r in rows) + "\n")


# Days since each demo spec was last edited: a stale one, recent ones, and
# old-enough ones for the "Ready to close?" checks (which want 24 h).
SPEC_AGES = {"catalog-search-v2": 45, "coupon-engine": 20, "legacy-checkout": 30, "price-filter-removal": 12,
             "refund-endpoint": 3, "session-hardening": 0.05, "shipping-rules": 9, "wishlist": 2, "gift-cards": 4,
             "newsletter-signup": 6, "order-history": 8}


def spec_mtimes(project: Path, now: datetime) -> int:
    """Gives the demo's spec files edit times relative to now."""
    n = 0
    for spec in sorted((project / "docs" / "specs").glob("*")):
        days = SPEC_AGES.get(spec.name, 7)
        for i, f in enumerate(sorted(spec.glob("*.md"))):
            t = (now - timedelta(days=days, minutes=17 * i)).timestamp()
            os.utime(f, (t, t))
            n += 1
    return n


def corpus_mtimes(project: Path, now: datetime) -> None:
    """The memory corpus (.claude/lessons.md, .claude/rules-tail/) edited an
    hour ago: after the demo Redis's hydration stamp (three hours ago), so
    Memory says the corpus changed. Set explicitly: a copy's own mtime is
    the kernel's clock, which a faked clock does not move."""
    t = (now - timedelta(hours=1)).timestamp()
    claude = project / ".claude"
    for f in [claude / "lessons.md", *sorted((claude / "rules-tail").rglob("*.md"))]:
        if f.is_file():
            os.utime(f, (t, t))


def settings(home: Path) -> None:
    """The dashboard's saved settings: a monthly budget for the Cost page."""
    ops = home / "ops"
    ops.mkdir(parents=True, exist_ok=True)
    doc = {"settings": {"monthly_budget_usd": 300.0}, "version": 1}
    (ops / "config.json").write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")


def docs_outbox(home: Path) -> None:
    """Two pending docs-outbox artifacts (names in local time), the older
    three days old: the Collab page's outbox row, stale."""
    out = home / "docs-outbox"
    out.mkdir(parents=True, exist_ok=True)
    local = datetime.now()
    for days, kind, slug in ((3, "faq", "install-on-windows"), (0.5, "howto", "refund-partial")):
        stamp = (local - timedelta(days=days)).strftime("%Y%m%d-%H%M")
        (out / f"{stamp}-{kind}-{slug}.md").write_text(f"---\nkind: {kind}\nslug: {slug}\ntarget: docs/{slug}.md\n---\nDraft.\n")


def sweep_result(home: Path, project: Path) -> int:
    """The discovery sweep's latest result for the whole project, as the
    dashboard keeps one: the demo's own sweep run once, its ATTUNE_DS final
    line saved under the hash of the project's path."""
    env = dict(os.environ, ATTUNE_DS_EMIT="1", PYTHONDONTWRITEBYTECODE="1")
    out = subprocess.run([sys.executable, ".attune/bin/discovery_sweep.py"], cwd=project, env=env,
                         capture_output=True, text=True, timeout=120, check=True).stdout
    final = [line for line in out.splitlines() if line.startswith("ATTUNE_DS final ")][-1]
    result = json.loads(final[len("ATTUNE_DS final "):])
    digest = hashlib.sha256(str(project.resolve()).encode()).hexdigest()[:16]
    d = home / "ops" / "sweep-results"
    d.mkdir(parents=True, exist_ok=True)
    (d / f"{digest}.json").write_text(json.dumps(result, indent=2))
    return len(result["queue"]) + len(result["questions"]) + len(result["rejected"])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", required=True, type=Path)
    ap.add_argument("--project", required=True, type=Path)
    ap.add_argument("--force", action="store_true", help="replace an existing demo home")
    a = ap.parse_args()
    home, project = a.home.resolve(), a.project.resolve()
    marker = home / ".attune-ops-demo"
    if home.exists() and any(home.iterdir()):
        if not marker.exists():
            print(f"refusing to overwrite {home}: it is not a demo home", file=sys.stderr)
            return 2
        if not a.force:
            print(f"demo home exists at {home} (use --force to regenerate)")
            return 0
        shutil.rmtree(home)
    home.mkdir(parents=True, exist_ok=True)
    marker.write_text("generated by examples/gen_demo_home.py\n")
    rnd = random.Random(SEED)
    now = datetime.now(timezone.utc)
    t = telemetry(home, now, rnd)
    r = runs(home, project, now, rnd)
    b = bulletin(home, now, rnd)
    s = sessions(home / "claude", project, now, rnd)
    gates(home)
    settings(home)
    spec_mtimes(project, now)
    corpus_mtimes(project, now)
    docs_outbox(home)
    f = sweep_result(home, project)
    print(f"demo home {home}: {t} telemetry lines, {r} runs, {b} archived bulletin entries, {s} sessions, {f} sweep findings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
