"""shopkit: prices, stock and product names for a small online shop."""
