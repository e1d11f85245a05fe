#!/usr/bin/env python3
"""dependency-check: pinning and a small offline advisory list."""

import re

from _common import *  # noqa: F403

# A few real advisories, embedded so the demo runs offline.
ADVISORIES = {
    "pyyaml": [("<5.4", "CVE-2020-14343: arbitrary code execution in full_load")],
    "jinja2": [("<2.11.3", "CVE-2020-28493: ReDoS in the urlize filter")],
}


def older(v: str, bound: str) -> bool:
    parse = lambda s: tuple(int(x) for x in re.findall(r"\d+", s))  # noqa: E731
    return parse(v) < parse(bound)


args("Check dependencies", scoped=False)
root = project_root()
heading("Reading requirements.txt")
found = []
for i, raw in enumerate((root / "requirements.txt").read_text().splitlines(), 1):
    line = raw.strip()
    if not line or line.startswith("#"):
        continue
    m = re.match(r"([A-Za-z0-9_.-]+)\s*(==|>=|<=|~=)?\s*([0-9][^\s;]*)?", line)
    if not m:
        continue
    name, op, ver = m.group(1).lower(), m.group(2), m.group(3)
    if op != "==":
        found.append(finding("low", f"requirements.txt:{i}", f"{name} is not pinned ({line})"))
    for bound, text in ADVISORIES.get(name, []):
        if ver and op == "==" and older(ver, bound.lstrip("<")):
            found.append(finding("high", f"requirements.txt:{i}", f"{name} {ver}: {text}"))
heading("Summary")
print(f"  {len(found)} finding(s)")
if any(x["severity"] == "high" for x in found):
    recommend("security-audit", "Vulnerable dependencies: audit the code that uses them", "high")
