"""A `slugify` filter for copier.yml: names in any script become ASCII slugs.

"Café Ünïcode Ledger" becomes "cafe-unicode-ledger". python-slugify does the
transliteration (through text-unidecode, always, so every machine renders the same
slug); copier-template-extensions loads this module (see `_jinja_extensions`).
"""

from jinja2 import Environment
from jinja2.ext import Extension
from slugify import slugify


def ascii_slug(value: object, separator: str = "-") -> str:
    """Lowercase ASCII words of `value`, transliterated, joined by `separator`."""
    return slugify(str(value), separator=separator, backend="text-unidecode")


class SlugifyExtension(Extension):
    """Adds the `slugify` filter."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters["slugify"] = ascii_slug
