"""The shopping cart."""

from dataclasses import dataclass, field

from shop.pricing import apply_discount


@dataclass
class Item:
    sku: str
    price_cents: int
    quantity: int = 1


@dataclass
class Cart:
    """Items a customer is about to buy."""

    items: list[Item] = field(default_factory=list)

    def add(self, item: Item) -> None:
        """Add an item, merging quantities of the same SKU."""
        for existing in self.items:
            if existing.sku == item.sku:
                existing.quantity += item.quantity
                return
        self.items.append(item)

    def total_cents(self, code: str | None = None) -> int:
        """The total in cents, after the discount code if any."""
        subtotal = sum(i.price_cents * i.quantity for i in self.items)
        return apply_discount(subtotal, code)
