#!/usr/bin/env python3
"""test-audit: which modules have tests; then run them."""

import subprocess
import sys

from _common import *  # noqa: F403

a = args("Audit the tests")
root = project_root()
heading("Mapping modules to tests")
tests = {p.stem.removeprefix("test_") for p in files(root / "tests", (".py",))}
mods = [p for p in files(root / "src", (".py",)) if p.stem != "__init__"]
untested = [m for m in mods if m.stem not in tests]
for m in mods:
    ok = m.stem in tests
    print(f"  {GREEN + 'tested  ' if ok else RED + 'untested'}{RESET} {rel(m)}")
heading("Running the test suite")
proc = subprocess.run([sys.executable, "-m", "unittest", "discover", "-s", "tests", "-v"], cwd=root, capture_output=True, text=True)
# unittest reports on stderr: pass it through so the dashboard shows it as such.
for line in proc.stdout.splitlines():
    print(line)
for line in proc.stderr.splitlines():
    print(line, file=sys.stderr)
sys.stderr.flush()
heading("Summary")
print(f"  {len(mods) - len(untested)}/{len(mods)} modules have tests; suite {'passed' if proc.returncode == 0 else 'FAILED'}")
report(
    "Test audit",
    f"{len(untested)} untested module(s); the suite {'passed' if proc.returncode == 0 else 'failed'}.",
    [{"kind": "list", "title": "Untested modules", "tier": "essential", "items": [rel(m) for m in untested]},
     {"kind": "next-steps", "title": "Next", "tier": "essential",
      "items": [{"text": "Check the docs describe the tested behaviour", "command": "attune workflow run doc-audit", "file": None}]}],
    score=round(100 * (len(mods) - len(untested)) / max(1, len(mods))),
)
if untested:
    recommend("code-review", f"Review {rel(untested[0].parent)}: it has untested code", "medium", str(untested[0].parent))
recommend("doc-audit", "Audit the documentation next", "low")
sys.exit(proc.returncode)
