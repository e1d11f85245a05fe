"""Shared helpers of the demo workflows: colour output, the scope argument,
findings, recommendations (ATTUNE_REC) and the structured report
(ATTUNE_RUN_META report_b64) the attune-ops dashboard understands."""

import argparse
import base64
import json
import os
import sys
from pathlib import Path

RESET, BOLD, DIM = "\033[0m", "\033[1m", "\033[2m"
RED, GREEN, YELLOW, BLUE, MAGENTA, CYAN = (f"\033[{n}m" for n in (31, 32, 33, 34, 35, 36))
SEVERITY_COLOUR = {"high": RED + BOLD, "medium": YELLOW, "low": CYAN, "info": DIM}


def args(description: str, scoped: bool = True) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=description)
    if scoped:
        p.add_argument("--path", help="scope: a directory or file inside the project")
    return p.parse_args()


def project_root() -> Path:
    return Path.cwd()


def scope(a: argparse.Namespace) -> Path:
    root = project_root()
    if getattr(a, "path", None):
        return Path(a.path).resolve()
    return root


def rel(p: Path) -> str:
    """The scope as people say it: a project-relative path, or "the project"."""
    try:
        r = str(p.relative_to(project_root()))
    except ValueError:
        return str(p)
    return "the project" if r == "." else r


def files(base: Path, suffixes: tuple[str, ...]) -> list[Path]:
    if base.is_file():
        return [base] if base.suffix in suffixes else []
    skip = {".git", ".attune", "__pycache__", "node_modules", ".venv"}
    out = []
    for p in sorted(base.rglob("*")):
        if any(part in skip for part in p.parts):
            continue
        if p.is_file() and p.suffix in suffixes:
            out.append(p)
    return out


def heading(text: str) -> None:
    print(f"{BOLD}{BLUE}==>{RESET} {BOLD}{text}{RESET}", flush=True)


def finding(severity: str, where: str, message: str) -> dict:
    colour = SEVERITY_COLOUR.get(severity, "")
    print(f"  {colour}{severity.upper():<6}{RESET} {DIM}{where}{RESET}  {message}", flush=True)
    file, _, line = where.partition(":")
    return {"severity": severity, "file": file, "line": int(line) if line.isdigit() else None, "message": message, "code": None}


def recommend(name: str, label: str, severity: str = "medium", path: str | None = None) -> None:
    payload = {"kind": "next-workflow", "name": name, "label": label, "severity": severity}
    if path:
        payload["args"] = {"path": path}
    print("ATTUNE_REC " + json.dumps(payload), flush=True)


def recommend_url(url: str, label: str) -> None:
    print("ATTUNE_REC " + json.dumps({"kind": "open-url", "url": url, "label": label, "severity": "info"}), flush=True)


def report(title: str, summary: str, sections: list[dict], score: int | None = None) -> None:
    """Emit a WorkflowReport on the run-meta side channel (only when the
    dashboard asks for it, as attune's CLI does)."""
    if not os.environ.get("ATTUNE_RUN_META_EMIT"):
        return
    rep = {"_type": "WorkflowReport", "title": title, "summary": summary, "score": score,
           "metadata": {}, "suggestions": [], "sections": sections}
    b64 = base64.b64encode(json.dumps(rep, separators=(",", ":")).encode()).decode()
    print("ATTUNE_RUN_META_VERSION 1", flush=True)
    print(f"ATTUNE_RUN_META report_b64={b64}", flush=True)


def warn(text: str) -> None:
    print(f"{YELLOW}warning:{RESET} {text}", file=sys.stderr, flush=True)
