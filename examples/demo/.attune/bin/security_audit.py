#!/usr/bin/env python3
"""security-audit: planted secrets and dangerous calls."""

import re
import time

from _common import *  # noqa: F403

RULES = [
    ("high", re.compile(r"""(?i)(password|passwd|secret|api_key)\s*=\s*["'][^"']+["']"""), "hard-coded credential"),
    ("high", re.compile(r"sk_live_[0-9A-Za-z]+|sk-ant-[0-9A-Za-z-]+"), "live API key in source"),
    ("high", re.compile(r"\beval\(|\bexec\("), "eval/exec of data"),
    ("high", re.compile(r"pickle\.loads?\("), "unpickling data (arbitrary code execution)"),
    ("medium", re.compile(r"shell\s*=\s*True"), "subprocess with shell=True (command injection)"),
    ("medium", re.compile(r"yaml\.load\((?![^)]*Loader)"), "yaml.load without a safe loader"),
    ("medium", re.compile(r"hashlib\.md5|hashlib\.sha1"), "weak hash used for a secret"),
    ("low", re.compile(r"verify\s*=\s*False"), "TLS verification disabled"),
]

a = args("Audit the code in scope for security problems")
base = scope(a)
heading(f"Security audit of {rel(base)}")
found = []
for f in files(base, (".py", ".toml", ".yaml", ".yml", ".cfg", ".env")):
    time.sleep(0.1)
    for i, line in enumerate(f.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        for sev, rx, what in RULES:
            if rx.search(line):
                found.append(finding(sev, f"{rel(f)}:{i}", what))
high = sum(1 for x in found if x["severity"] == "high")
heading("Result")
if high:
    print(f"  {RED}{BOLD}{high} high-severity finding(s){RESET} — fix before releasing")
else:
    print(f"  {GREEN}no high-severity findings{RESET}")
report(
    f"Security audit of {rel(base)}",
    f"{len(found)} finding(s), {high} high.",
    [
        {"kind": "callout", "title": "Verdict", "tier": "essential",
         "text": "Blocks release" if high else "No blocking findings", "emphasis": "critical" if high else "success"},
        {"kind": "findings", "title": "Findings", "tier": "essential", "findings": found},
    ],
    score=max(0, 100 - 15 * high - 5 * (len(found) - high)),
)
if high:
    recommend("test-audit", "Add tests around the code that handles secrets", "high", str(base))
recommend_url("https://owasp.org/www-project-top-ten/", "OWASP Top 10")
