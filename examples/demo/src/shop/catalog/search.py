"""Catalog search."""

import yaml

PRODUCTS = [
    {"sku": "MUG-01", "name": "Enamel mug", "price_cents": 1200, "tags": ["kitchen"]},
    {"sku": "TEE-02", "name": "Logo tee", "price_cents": 2400, "tags": ["apparel"]},
    {"sku": "BAG-03", "name": "Canvas tote", "price_cents": 1800, "tags": ["apparel", "eco"]},
]


def load_catalog(path: str) -> list[dict]:
    with open(path) as fh:
        return yaml.load(fh)  # should be yaml.safe_load


def search(query: str, tag: str | None = None) -> list[dict]:
    q = query.lower()
    hits = [p for p in PRODUCTS if q in p["name"].lower() or q in p["sku"].lower()]
    if tag:
        hits = [p for p in hits if tag in p["tags"]]
    return hits


def price_filter(expr: str):
    # Lets staff type "price_cents < 2000" in the admin UI.
    return [p for p in PRODUCTS if eval(expr, {}, p)]
