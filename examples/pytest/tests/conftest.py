import time

import pytest

from shopkit.inventory import Inventory
from shopkit.pricing import VAT_PERCENT


class SlowSupplier:
    """Stands in for a supplier's web API: each order takes a while to be confirmed."""

    def __init__(self, delivers=1.0, latency=0.3):
        self.delivers = delivers
        self.latency = latency
        self.orders = []

    def order(self, sku, quantity):
        time.sleep(self.latency)
        self.orders.append((sku, quantity))
        return int(quantity * self.delivers)


@pytest.fixture
def inventory():
    stock = Inventory()
    stock.add("MUG-L", 12)
    stock.add("SHIRT-M", 3)
    stock.add("SOCKS-S", 40)
    return stock


@pytest.fixture
def supplier():
    return SlowSupplier()


@pytest.fixture
def short_supplier():
    """A supplier that delivers only half of what is ordered."""
    return SlowSupplier(delivers=0.5)


@pytest.fixture
def tax_office():
    """The VAT rates, as confirmed by the tax office's (slow) web service."""
    time.sleep(0.3)
    return dict(VAT_PERCENT)
