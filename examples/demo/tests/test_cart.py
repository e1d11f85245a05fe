import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from shop.cart.cart import Cart  # noqa: E402


class CartTest(unittest.TestCase):
    def test_add_merges_lines(self):
        c = Cart()
        c.add("MUG-01", 1, 1200)
        c.add("MUG-01", 2, 1200)
        self.assertEqual(len(c.lines), 1)
        self.assertEqual(c.subtotal_cents(), 3600)

    def test_welcome_coupon(self):
        c = Cart(coupon="WELCOME10")
        c.add("TEE-02", 1, 2400)
        self.assertEqual(c.total_cents(), 2160)

    def test_rejects_zero_quantity(self):
        with self.assertRaises(ValueError):
            Cart().add("X", 0, 1)


if __name__ == "__main__":
    unittest.main()
