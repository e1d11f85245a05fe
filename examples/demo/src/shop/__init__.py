"""demo-shop: catalog, cart, payments and auth."""

__version__ = "0.4.2"
