"""Prices are integers in cents; these helpers parse, format, discount and tax them."""
import re

CURRENCY_SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$"}
VAT_PERCENT = {"de": 19, "fr": 20, "lu": 17, "ch": 8.1}


def parse_price(text):
    """'12.50', '€ 1,234.50', '1 234,50 €' or '[12]' -> cents."""
    digits = re.sub(r"[^\d.,]", "", text)
    if not digits:
        raise ValueError(f"no price in {text!r}")
    # The last separator followed by exactly two digits is the decimal point.
    match = re.fullmatch(r"(.*?)(?:[.,](\d\d))?", digits)
    whole = re.sub(r"[.,]", "", match.group(1)) or "0"
    return int(whole) * 100 + int(match.group(2) or 0)


def format_price(cents, currency="EUR"):
    """1250 -> '€12.50'."""
    euros, rest = divmod(cents, 100)
    return f"{CURRENCY_SYMBOLS.get(currency, currency + ' ')}{euros}.{rest:02d}"


def apply_discount(cents, percent):
    """Takes percent off, rounding half a cent up."""
    if not 0 <= percent <= 100:
        raise ValueError(f"a discount of {percent}% makes no sense")
    return (cents * (100 - percent) + 50) // 100


def with_vat(cents, country):
    """The gross price for a net price, rounded to the cent."""
    return round(cents * (100 + VAT_PERCENT[country]) / 100)


def cart_total(lines, discount_percent=0):
    """lines: (unit cents, quantity) pairs. The discount applies to the sum."""
    return apply_discount(sum(cents * quantity for cents, quantity in lines), discount_percent)
