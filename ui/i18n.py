"""The app's languages: Vietnamese first, English second, and :func:`tr` to pick a text.

The texts themselves are in :mod:`ui.texts`; numbers, percentages, dates, amounts and
layer names are formatted by :mod:`hatangso.formatting` (Vietnamese ``1.176`` and
``98,7 %``, English ``1,176`` and ``98.7 %``).
"""

from __future__ import annotations

from typing import Literal

from ui.texts import TEXT

__all__ = ["LANGUAGES", "Lang", "tr"]

Lang = Literal["vi", "en"]

#: Language code -> its name in itself.
LANGUAGES: dict[str, str] = {"vi": "Tiếng Việt", "en": "English"}

_ORDER = {"vi": 0, "en": 1}


def tr(key: str, lang: str = "vi", **fields: object) -> str:
    """Return the text of ``key`` in ``lang`` with its ``{fields}`` filled.

    Examples
    --------
    >>> tr("page_gaps", "vi")
    'Vùng lõm'
    >>> tr("imported", "en", layer="villages", store="bd.gpkg")
    'Imported villages into bd.gpkg.'
    """
    text = TEXT[key][_ORDER.get(lang, 0)]
    return text.format(**fields) if fields else text
