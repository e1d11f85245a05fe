#!/usr/bin/env python3
"""Offline stand-ins for the two APIs the dashboard calls, for the demo.

**Anthropic Admin API.** Serves ``GET /v1/organizations/cost_report`` the
way the real API does:
daily buckets ``{starting_at, ending_at, results: [{amount, currency,
cost_type, model, ...}]}`` with ``amount`` a decimal string in cents, and
pagination through ``has_more`` / ``next_page`` (a few days per page, so the
dashboard's page-following and its progress display are exercised). The
numbers are deterministic for a given date, vary by weekday, and cover three
models and three cost types.

It checks ``x-api-key`` against ``--key`` (401 otherwise), like the real
API.

**GitHub REST API** (the spec "Ready to close?" checks):
``GET /repos/{owner}/{name}/pulls/{n}`` answers merged PRs (#12, #41, #47,
#60), an open one (#52) and 404 otherwise; ``GET /search/issues`` finds an
open issue for ``gift-cards`` and ``order-export`` only. Requests need
``Authorization: Bearer <--github-token>``.

**Anthropic Messages API** (the Briefing): ``POST /v1/messages`` (and the
beta ``?beta=true``) with ``x-api-key: <--api-key>`` answers with one
``emit_curation`` tool call composed from the request's ``<source>`` blocks
by fixed rules (a credential-shaped file, failed runs, high sweep findings,
specs ready to close, drifting specs), citing the item ids it was given. Its
summary says that it is this imitation, not a model.

Nothing here talks to the network.

    python3 examples/fake_apis.py --key sk-ant-admin01-demo --github-token t --api-key k \
        --port 0 --port-file /tmp/port --exit-with $$
"""

import argparse
import datetime as dt
import json
import os
import re
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

MODELS = [
    # model, share of the day's token spend
    ("claude-opus-4-1", 0.52),
    ("claude-sonnet-4-5", 0.38),
    ("claude-haiku-4-5", 0.10),
]
DAYS_PER_PAGE = 7
MERGED_PRS = {12: "2026-08-14T10:02:11Z", 41: "2026-10-20T09:15:00Z", 47: "2026-10-28T16:40:12Z", 60: "2026-11-10T12:00:00Z"}
OPEN_PRS = {52}
OPEN_ISSUE_SLUGS = {"gift-cards": 88, "order-export": 91}


def day_rows(day: dt.date, today: dt.date):
    """The cost rows of one day, in cents (decimal strings)."""
    h = zlib.crc32(day.isoformat().encode())
    weekday = day.weekday()
    base = 950.0 if weekday < 5 else 260.0  # cents: ~$9.50 on weekdays
    base *= 0.75 + (h % 1000) / 2000.0  # ±25 %
    if day == today:
        now = dt.datetime.now(dt.timezone.utc)
        base *= max(0.05, (now.hour * 60 + now.minute) / 1440.0)
    rows = []
    for i, (model, share) in enumerate(MODELS):
        amount = base * share * (0.9 + ((h >> (i * 4)) & 0xF) / 75.0)
        rows.append({"amount": f"{amount:.7f}", "currency": "USD", "cost_type": "tokens",
                     "model": model, "description": f"{model} usage", "token_type": None,
                     "context_window": "0-200k", "service_tier": "standard", "workspace_id": None})
    if weekday < 5:
        rows.append({"amount": f"{(h % 97) + 10:.2f}", "currency": "USD", "cost_type": "web_search",
                     "model": "claude-sonnet-4-5", "description": "web search"})
    if h % 3 == 0:
        rows.append({"amount": f"{(h % 41) / 10 + 1:.4f}", "currency": "USD", "cost_type": "code_execution",
                     "model": None, "description": "code execution"})
    return rows


ITEM_LINE = re.compile(r"^- \[(?P<id>[^\]]+)\] (?P<title>.*) \| (?P<link>.*)$")


def source_items(prompt: str):
    """(source, id, title, link, meta) for each item line of the prompt."""
    source, last = None, None
    for line in prompt.splitlines():
        m = re.match(r'^<source name="([^"]+)">$', line)
        if m:
            source = m.group(1)
            continue
        m = ITEM_LINE.match(line)
        if m and source:
            last = {"source": source, "meta": {}, **m.groupdict()}
            yield last
        elif last and line.startswith("  meta: "):
            last["meta"].update(kv.split("=", 1) for kv in line[8:].split(", ") if "=" in kv)


def compose_briefing(prompt: str, max_items: int):
    """A briefing by fixed rules, citing the prompt's own ids."""
    picked = []
    for it in list(source_items(prompt)):  # each item complete with its meta
        i, meta = it["id"], it["meta"]
        if i.startswith("git:secret-shape:"):
            picked.append((0, {"id": "secret-" + i[-6:], "title": it["title"], "severity": "block",
                               "rationale": f"A credential-shaped file is not ignored [{i}].", "sources": [i]}))
        elif i.startswith("bulletin:archived:") and meta.get("terminal_status") == "failed":
            wf = meta.get("workflow", "")
            picked.append((1, {"id": "failed-" + i.rsplit(":", 1)[-1], "title": f"{wf} failed: look at the log",
                               "severity": "warn", "rationale": f"The run ended failed [{i}].", "sources": [i],
                               "suggested_action": {"kind": "run", "workflow": wf, "label": f"Re-run {wf}"}}))
        elif i.startswith("sweep:") and meta.get("severity") in ("critical", "high"):
            act = {"kind": "open", "url": it["link"], "label": "See the finding"} if it["link"].startswith("/") else None
            item = {"id": "finding-" + i[-6:], "title": it["title"], "severity": "warn",
                    "rationale": f"A {meta.get('severity')} finding waits for review [{i}].", "sources": [i]}
            if act:
                item["suggested_action"] = act
            picked.append((2, item))
        elif i.startswith("spec:") and meta.get("is_completion_candidate") == "true":
            slug = i.split(":", 1)[1]
            picked.append((3, {"id": "close-" + slug, "title": f"Close {slug}?", "severity": "nudge",
                               "rationale": f"Every check says {slug} is done [{i}].", "sources": [i],
                               "suggested_action": {"kind": "ask", "question": f"Is {slug} finished?", "choices": ["Yes, close it", "Not yet"]}}))
        elif i.startswith("spec-drift:"):
            slug = i.split(":", 1)[1]
            picked.append((4, {"id": "drift-" + slug, "title": it["title"], "severity": "nudge",
                               "rationale": f"Its status and its activity disagree [{i}].", "sources": [i],
                               "suggested_action": {"kind": "open", "url": f"/specs/{slug}", "label": "Open the spec"}}))
    # One of each kind in turn (most urgent kind first), so a few of one
    # kind do not crowd out the rest.
    kinds = sorted({k for k, _ in picked})
    queues = {k: [it for kk, it in picked if kk == k] for k in kinds}
    items = []
    while len(items) < max_items and any(queues.values()):
        for k in kinds:
            if queues[k] and len(items) < max_items:
                items.append(queues[k].pop(0))
    if items:
        cites = " ".join(f"[{s}]" for it in items for s in it["sources"])
        summary = (f"Demo imitation of the Messages API, not a model: {len(items)} item(s) picked by fixed rules "
                   f"from the sources this dashboard sent {cites}.")
    else:
        summary = "Demo imitation of the Messages API, not a model: nothing in the sources matched its rules."
    return {"summary": summary, "items": items}


def parse_day(s: str) -> dt.date:
    return dt.date.fromisoformat(s[:10])


class Handler(BaseHTTPRequestHandler):
    key = ""
    api_key = ""
    github_token = ""
    delay = 0.0

    def log_message(self, *args):  # quiet
        pass

    def answer(self, status: int, body: dict):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def github(self, url):
        if self.headers.get("authorization") != f"Bearer {self.github_token}":
            return self.answer(401, {"message": "Bad credentials", "status": "401"})
        parts = url.path.strip("/").split("/")
        if len(parts) == 5 and parts[0] == "repos" and parts[3] == "pulls" and parts[4].isdigit():
            n = int(parts[4])
            if n in MERGED_PRS:
                return self.answer(200, {"number": n, "state": "closed", "merged_at": MERGED_PRS[n], "title": f"PR {n}"})
            if n in OPEN_PRS:
                return self.answer(200, {"number": n, "state": "open", "merged_at": None, "title": f"PR {n}"})
            return self.answer(404, {"message": "Not Found", "status": "404"})
        if url.path == "/search/issues":
            q = parse_qs(url.query).get("q", [""])[0]
            words = q.split()
            items = [{"number": num, "title": f"Follow-up for {slug}", "state": "open"}
                     for slug, num in OPEN_ISSUE_SLUGS.items() if slug in words]
            return self.answer(200, {"total_count": len(items), "incomplete_results": False, "items": items})
        return self.answer(404, {"message": "Not Found", "status": "404"})

    def do_POST(self):
        url = urlparse(self.path)
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        if url.path != "/v1/messages":
            return self.answer(404, {"type": "error", "error": {"type": "not_found_error", "message": "Not found"}})
        if not self.api_key or self.headers.get("x-api-key") != self.api_key:
            return self.answer(401, {"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}})
        try:
            req = json.loads(body)
            prompt = req["messages"][0]["content"]
            max_items = req["tools"][0]["input_schema"]["properties"]["items"]["maxItems"]
        except (ValueError, KeyError, IndexError, TypeError):
            return self.answer(400, {"type": "error", "error": {"type": "invalid_request_error", "message": "bad request"}})
        time.sleep(self.delay * 4)
        self.answer(200, {
            "id": "msg_demo", "type": "message", "role": "assistant", "model": req.get("model", ""),
            "stop_reason": "tool_use",
            "usage": {"input_tokens": len(body) // 4, "output_tokens": 400},
            "content": [{"type": "tool_use", "id": "toolu_demo", "name": "emit_curation",
                         "input": compose_briefing(prompt, max_items)}],
        })

    def do_GET(self):
        url = urlparse(self.path)
        if url.path.startswith("/repos/") or url.path.startswith("/search/"):
            return self.github(url)
        if url.path != "/v1/organizations/cost_report":
            return self.answer(404, {"type": "error", "error": {"type": "not_found_error", "message": "Not found"}})
        if self.headers.get("x-api-key") != self.key:
            return self.answer(401, {"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}})
        q = parse_qs(url.query)
        try:
            start = parse_day(q["starting_at"][0])
            end = parse_day(q.get("ending_at", [None])[0] or (dt.date.today() + dt.timedelta(days=1)).isoformat())
        except (KeyError, ValueError):
            return self.answer(400, {"type": "error", "error": {"type": "invalid_request_error", "message": "starting_at is required"}})
        page = 0
        if "page" in q:
            try:
                page = int(q["page"][0].removeprefix("page_"))
            except ValueError:
                return self.answer(400, {"type": "error", "error": {"type": "invalid_request_error", "message": "bad page"}})
        today = dt.datetime.now(dt.timezone.utc).date()
        days = [start + dt.timedelta(days=i) for i in range((end - start).days)]
        chunk = days[page * DAYS_PER_PAGE:(page + 1) * DAYS_PER_PAGE]
        data = []
        for d in chunk:
            rows = day_rows(d, today) if d <= today else []
            data.append({"starting_at": f"{d.isoformat()}T00:00:00Z",
                         "ending_at": f"{(d + dt.timedelta(days=1)).isoformat()}T00:00:00Z",
                         "results": rows})
        more = (page + 1) * DAYS_PER_PAGE < len(days)
        time.sleep(self.delay)
        self.answer(200, {"data": data, "has_more": more, "next_page": f"page_{page + 1}" if more else None})


def watch_parent(pid: int):
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            os._exit(0)
        except PermissionError:
            pass
        time.sleep(0.5)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--key", required=True, help="the admin key to accept")
    ap.add_argument("--github-token", default="demo-github-token", help="the GitHub token to accept")
    ap.add_argument("--api-key", default="", help="the Messages API key to accept (none: every call is a 401)")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", help="write the bound port here once listening")
    ap.add_argument("--delay", type=float, default=0.15, help="seconds per page (to make progress visible)")
    ap.add_argument("--exit-with", type=int, help="exit when this process id goes away")
    a = ap.parse_args()
    Handler.key = a.key
    Handler.github_token = a.github_token
    Handler.api_key = a.api_key
    Handler.delay = a.delay
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    port = srv.server_address[1]
    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(port))
        os.replace(tmp, a.port_file)
    if a.exit_with:
        threading.Thread(target=watch_parent, args=(a.exit_with,), daemon=True).start()
    print(f"[fake-apis] listening on 127.0.0.1:{port}", file=sys.stderr)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
