"""A small shop: carts, prices and discounts."""
