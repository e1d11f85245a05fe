"""The shopping cart."""

from dataclasses import dataclass, field


@dataclass
class Line:
    sku: str
    quantity: int
    unit_price_cents: int

    @property
    def total_cents(self) -> int:
        return self.quantity * self.unit_price_cents


@dataclass
class Cart:
    lines: list[Line] = field(default_factory=list)
    coupon: str | None = None

    def add(self, sku: str, quantity: int, unit_price_cents: int) -> None:
        if quantity <= 0:
            raise ValueError("quantity must be positive")
        for line in self.lines:
            if line.sku == sku:
                line.quantity += quantity
                return
        self.lines.append(Line(sku, quantity, unit_price_cents))

    def remove(self, sku: str) -> None:
        self.lines = [l for l in self.lines if l.sku != sku]

    def subtotal_cents(self) -> int:
        return sum(l.total_cents for l in self.lines)

    def total_cents(self) -> int:
        subtotal = self.subtotal_cents()
        discount = 0
        if self.coupon == "WELCOME10":
            discount = subtotal // 10
        elif self.coupon == "FREESHIP":
            discount = 0  # shipping is computed elsewhere
        elif self.coupon and self.coupon.startswith("STAFF"):
            discount = subtotal // 4
        return max(0, subtotal - discount)
