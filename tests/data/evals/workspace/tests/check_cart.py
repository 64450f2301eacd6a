from shop.cart import Cart, Item


def test_total_with_discount() -> None:
    cart = Cart()
    cart.add(Item("apple", 100, 3))
    assert cart.total_cents("WELCOME10") == 270
