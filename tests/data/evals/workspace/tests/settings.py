"""Settings used by the tests."""

CURRENCY = "USD"
TAX_RATE = 0.0
