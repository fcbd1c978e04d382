"""Stock levels and reservations; restocking asks a supplier, which takes its time."""


class OutOfStock(Exception):
    pass


class Inventory:
    def __init__(self):
        self._stock = {}
        self._reserved = {}

    def add(self, sku, quantity):
        if quantity <= 0:
            raise ValueError("quantity must be positive")
        self._stock[sku] = self._stock.get(sku, 0) + quantity

    def available(self, sku):
        return self._stock.get(sku, 0) - self._reserved.get(sku, 0)

    def reserve(self, sku, quantity):
        if quantity > self.available(sku):
            raise OutOfStock(f"{sku}: {quantity} wanted, {self.available(sku)} available")
        self._reserved[sku] = self._reserved.get(sku, 0) + quantity
        return (sku, quantity)

    def release(self, reservation):
        sku, quantity = reservation
        self._reserved[sku] -= quantity

    def ship(self, reservation):
        sku, quantity = reservation
        self._reserved[sku] -= quantity
        self._stock[sku] -= quantity

    def restock(self, supplier, minimum):
        """Orders from supplier every sku that fell below minimum; returns what was ordered."""
        ordered = {}
        for sku in sorted(self._stock):
            missing = minimum - self.available(sku)
            if missing > 0:
                delivered = supplier.order(sku, missing)
                self._stock[sku] += delivered
                ordered[sku] = delivered
        return ordered
