"""Refunds."""

from shop.auth.permissions import require


def refund(role: str, order_total_cents: int, amount_cents: int) -> int:
    require(role, "refund")
    if amount_cents > order_total_cents:
        raise ValueError("cannot refund more than the order total")
    return order_total_cents - amount_cents
