import pytest


@pytest.mark.slow
@pytest.mark.parametrize("minimum", [5, 10, 20])
def test_restock_fills_up_to_the_minimum(inventory, supplier, minimum):
    inventory.restock(supplier, minimum)
    for sku in ("MUG-L", "SHIRT-M", "SOCKS-S"):
        assert inventory.available(sku) >= minimum


@pytest.mark.slow
def test_restock_orders_only_what_is_missing(inventory, supplier):
    assert inventory.restock(supplier, 12) == {"SHIRT-M": 9}
    assert supplier.orders == [("SHIRT-M", 9)]


@pytest.mark.slow
def test_a_short_delivery_leaves_a_gap(inventory, short_supplier):
    ordered = inventory.restock(short_supplier, 20)
    assert ordered == {"MUG-L": 4, "SHIRT-M": 8}
    assert inventory.available("SHIRT-M") == 11
