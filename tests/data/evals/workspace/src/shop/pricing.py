"""Prices and discount codes."""

DISCOUNTS = {"WELCOME10": 10, "VIP25": 25}


def apply_discount(subtotal_cents: int, code: str | None) -> int:
    """The subtotal minus the percentage of a known discount code."""
    percent = DISCOUNTS.get(code or "", 0)
    return subtotal_cents - subtotal_cents * percent // 100


def format_price(cents: int) -> str:
    """Cents as a price string: 1234 -> '12.34 EUR'."""
    return f"{cents // 100}.{cents % 100:02d} EUR"
