"""Shop settings."""

CURRENCY = "EUR"
TAX_RATE = 0.2
