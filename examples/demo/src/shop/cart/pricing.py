"""Price rules, taxes and rounding."""


def tax_cents(amount_cents: int, region: str) -> int:
    rates = {"EU": 0.20, "UK": 0.20, "US-CA": 0.0725, "US-NY": 0.08875}
    rate = rates.get(region, 0.0)
    return round(amount_cents * rate)


def apply_bulk_discount(lines, threshold=10, percent=5):
    # XXX: this mutates the cart lines in place
    for line in lines:
        if line.quantity >= threshold:
            line.unit_price_cents = line.unit_price_cents * (100 - percent) // 100
    return lines


def shipping_cents(weight_grams: int, region: str, express: bool = False, oversized: bool = False, fragile: bool = False, po_box: bool = False) -> int:
    base = 499 if region in ("EU", "UK") else 699
    if weight_grams > 2000:
        base += (weight_grams - 2000) // 500 * 150
    if express:
        base *= 2
    if oversized:
        base += 1500
    if fragile:
        base += 300
    if po_box and express:
        raise ValueError("express delivery is not available to PO boxes")
    if po_box:
        base += 100
    if region.startswith("US-") and weight_grams > 10_000:
        base += 2500
    if region == "UK" and oversized and express:
        base += 2000
    if region == "EU" and fragile and oversized:
        base += 800
    if weight_grams < 100:
        base = max(199, base - 300)
    if weight_grams == 0:
        raise ValueError("weight must be positive")
    return base
