#!/usr/bin/env python3
"""code-review: long functions and lines, too many parameters, markers."""

import ast
import time

from _common import *  # noqa: F403

a = args("Review the code in scope")
base = scope(a)
heading(f"Reviewing {rel(base)}")
found = []
py = files(base, (".py",))
print(f"  {len(py)} Python file(s) in scope", flush=True)
for f in py:
    time.sleep(0.15)
    text = f.read_text(encoding="utf-8", errors="replace")
    lines = text.splitlines()
    print(f"{DIM}  scanning {rel(f)} ({len(lines)} lines){RESET}", flush=True)
    for i, line in enumerate(lines, 1):
        if len(line) > 100:
            found.append(finding("low", f"{rel(f)}:{i}", f"line is {len(line)} characters long"))
        for marker in ("TODO", "FIXME", "XXX"):
            if marker in line:
                sev = "medium" if marker != "TODO" else "info"
                found.append(finding(sev, f"{rel(f)}:{i}", f"{marker}: {line.split(marker, 1)[1].strip(' :') or '(no text)'}"))
    try:
        tree = ast.parse(text)
    except SyntaxError as e:
        found.append(finding("high", f"{rel(f)}:{e.lineno}", f"syntax error: {e.msg}"))
        continue
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > 25:
                found.append(finding("medium", f"{rel(f)}:{node.lineno}", f"function {node.name}() is {length} lines long"))
            nargs = len(node.args.args) + len(node.args.kwonlyargs)
            if nargs > 4:
                found.append(finding("medium", f"{rel(f)}:{node.lineno}", f"function {node.name}() takes {nargs} parameters"))
            branches = sum(isinstance(n, ast.If) for n in ast.walk(node))
            if branches > 6:
                found.append(finding("medium", f"{rel(f)}:{node.lineno}", f"function {node.name}() has {branches} branches"))

heading("Summary")
by = {}
for x in found:
    by[x["severity"]] = by.get(x["severity"], 0) + 1
summary = ", ".join(f"{n} {s}" for s, n in sorted(by.items())) or "no findings"
print(f"  {GREEN if not found else YELLOW}{len(found)} finding(s): {summary}{RESET}")
print()
print("What I'd Do Next")
print("  attune workflow run test-audit — check the reviewed code is tested")
print("  attune workflow run security-audit — look for security problems in the same scope")
report(
    f"Code review of {rel(base)}",
    f"{len(found)} finding(s) in {len(py)} file(s): {summary}.",
    [
        {"kind": "findings", "title": "Findings", "tier": "essential", "findings": found},
        {"kind": "next-steps", "title": "Next steps", "tier": "essential", "items": [
            {"text": "Check the reviewed code is tested", "command": "attune workflow run test-audit", "file": None},
            {"text": "Audit the same scope for security problems", "command": "attune workflow run security-audit", "file": None},
        ]},
    ],
    score=max(0, 100 - 5 * len(found)),
)
recommend("test-audit", "Check that the reviewed code is tested", "medium")
if any(x["severity"] in ("medium", "high") for x in found):
    recommend("security-audit", f"Audit {rel(base)} for security problems", "high", str(base))
