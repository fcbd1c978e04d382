"""Product names: URL slugs and SKUs."""
import re
import unicodedata

_SPECIAL = {"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "&": " and "}


def slugify(name):
    """'Größe XL & Co.' -> 'groesse-xl-and-co'."""
    text = name.lower()
    for umlaut, spelled in (("ä", "ae"), ("ö", "oe"), ("ü", "ue")):
        text = text.replace(umlaut, spelled)
    text = "".join(_SPECIAL.get(c, c) for c in text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def sku(name, size):
    """A short stock-keeping unit: the first letters of the slug's words and the size."""
    initials = "".join(word[:3] for word in slugify(name).split("-"))
    return f"{initials.upper()}-{size.upper()}"
