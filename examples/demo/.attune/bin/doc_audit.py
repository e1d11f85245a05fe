#!/usr/bin/env python3
"""doc-audit: broken relative links, TODOs, packages without docs."""

import re

from _common import *  # noqa: F403

a = args("Audit the documentation")
base = scope(a)
root = project_root()
heading(f"Auditing docs under {rel(base)}")
found = []
link = re.compile(r"\[([^\]]+)\]\(([^)#]+)(#[^)]*)?\)")
docs = files(base if base.is_dir() else base.parent, (".md",))
for f in docs:
    for i, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
        for m in link.finditer(line):
            target = m.group(2)
            if "://" in target:
                continue
            if not (f.parent / target).exists():
                found.append(finding("medium", f"{rel(f)}:{i}", f"broken link to {target}"))
        if "TODO" in line:
            found.append(finding("low", f"{rel(f)}:{i}", "TODO in documentation"))
text = " ".join(p.read_text(encoding="utf-8") for p in files(root / "docs", (".md",)))
for pkg in sorted(p.name for p in (root / "src" / "shop").iterdir() if p.is_dir() and not p.name.startswith("_")):
    if f"shop.{pkg}" not in text:
        found.append(finding("info", "docs/", f"package shop.{pkg} is not mentioned in the docs"))
heading("Summary")
print(f"  {len(docs)} document(s), {len(found)} finding(s)")
report("Documentation audit", f"{len(found)} finding(s) in {len(docs)} document(s).",
       [{"kind": "findings", "title": "Findings", "tier": "essential", "findings": found}])
recommend("release-prep", "Docs checked: prepare the release", "low")
