import random

import pytest

from shopkit.inventory import Inventory, OutOfStock


class TestReservations:
    def test_reserving_lowers_availability(self, inventory):
        inventory.reserve("MUG-L", 5)
        assert inventory.available("MUG-L") == 7

    def test_cannot_reserve_more_than_available(self, inventory):
        with pytest.raises(OutOfStock, match="4 wanted, 3 available"):
            inventory.reserve("SHIRT-M", 4)

    def test_release_gives_stock_back(self, inventory):
        inventory.release(inventory.reserve("SHIRT-M", 3))
        assert inventory.available("SHIRT-M") == 3

    def test_ship_removes_stock(self, inventory):
        inventory.ship(inventory.reserve("SOCKS-S", 10))
        assert inventory.available("SOCKS-S") == 30

    class TestBusyShop:
        @pytest.mark.slow
        @pytest.mark.parametrize("seed", [1, 2])
        def test_many_carts_never_oversell(self, seed):
            shop = Inventory()
            shop.add("MUG-L", 500)
            carts = random.Random(seed)
            held = []
            for _ in range(300_000):
                if held and carts.random() < 0.4:
                    shop.release(held.pop(carts.randrange(len(held))))
                else:
                    try:
                        held.append(shop.reserve("MUG-L", carts.randint(1, 5)))
                    except OutOfStock:
                        pass
                assert shop.available("MUG-L") >= 0
