import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from shop.cart.pricing import shipping_cents, tax_cents  # noqa: E402


class PricingTest(unittest.TestCase):
    def test_tax_eu(self):
        self.assertEqual(tax_cents(1000, "EU"), 200)

    def test_light_parcel_minimum(self):
        self.assertEqual(shipping_cents(50, "EU"), 199)

    def test_unknown_region_is_untaxed(self):
        self.assertEqual(tax_cents(1000, "MARS"), 0)


if __name__ == "__main__":
    unittest.main()
