"""Administrative units named rather than coded: "Hoà Hội", "xã Vĩnh Kim", "TT. Ngô Mây".

Villages and sites often arrive with their commune's name instead of its GSO code. A
:class:`UnitNames` index of a layout's units (``unit_id``, ``name``, ``level``,
``parent_id`` and, when known, former names) matches such a name to one unit:

* the type word is dropped ("Xã", "Phường", "Thị trấn", "TT.", "P.", …);
* names are compared first with their diacritics, tone placement ignored ("Hoà" and
  "Hòa" are the same word: old and new tone placement), then without any diacritics
  ("Vinh Kim");
* a name that several units share ("Ngô Mây": a phường of Quy Nhơn and a thị trấn of
  Phù Cát) is refused with the candidates, their codes and parent units; the name can be
  qualified by its parent ("Ngô Mây, Phù Cát" or "Ngô Mây (Phù Cát)");
* an unknown name is refused with the closest names suggested.

The index takes any unit list, so the layouts of a store (the units in force on a
period's date, with a crosswalk's former names) can feed it.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

import pandas as pd

from geodata.text import fold, to_nfc

__all__ = ["UnitMatch", "UnitNames", "name_key", "tone_key"]

_TONES: Final = frozenset("\u0301\u0300\u0309\u0303\u0323")
_QUALIFIER: Final = re.compile(r"^(?P<name>[^,(]+?)\s*(?:,|\(|\s-\s)\s*(?P<parent>[^)]+?)\)?\s*$")


def tone_key(text: str) -> str:
    """Return a key that keeps diacritics but ignores where the tone mark sits.

    Each word's tone mark (sắc, huyền, hỏi, ngã, nặng) is taken off its vowel and put at
    the word's end, so the old placement "hoà" and the new "hòa" give one key.

    Examples
    --------
    >>> tone_key("Hoà Hội") == tone_key("Hòa  hội")
    True
    >>> tone_key("Hòa") == tone_key("Hoa")
    False
    """
    words = []
    for word in unicodedata.normalize("NFD", text.casefold()).split():
        tones = "".join(c for c in word if c in _TONES)
        base = "".join(
            c for c in word if (c not in _TONES and c.isalnum()) or c in "\u0302\u0306\u031b"
        )
        words.append(unicodedata.normalize("NFC", base) + tones)
    return " ".join(w for w in words if w)


_ABBREVIATION: Final = re.compile(r"^(?:tt|tx|tp|p|x|h|q)\.\s*", re.IGNORECASE)
_TYPE_NAMES: Final = ("thị trấn", "thị xã", "thành phố", "đặc khu", "phường", "xã", "huyện", "quận")


def _type_keys() -> set[tuple[str, ...]]:
    keys: set[tuple[str, ...]] = set()
    for name in _TYPE_NAMES:
        keys.add(tuple(tone_key(name).split()))
        keys.add(tuple(fold(name).split()))  # typed without diacritics: "xa Vinh Kim"
    return keys


def _strip_type(text: str) -> str:
    """Drop the unit's type word: "Xã Vĩnh Kim" → "Vĩnh Kim", "TT. Ngô Mây" → "Ngô Mây".

    A type word typed without diacritics counts only when the whole word is plain ASCII
    ("xa Vinh Kim"), so a name that starts like one ("Quán …") keeps its first word.
    """
    shown = to_nfc(text).strip()
    short = _ABBREVIATION.sub("", shown, count=1)
    if short != shown:
        return short.strip() or shown
    words = shown.split()
    for size in (2, 1):
        head = words[:size]
        if len(words) <= size:
            continue
        exact = tuple(tone_key(" ".join(head)).split())
        plain = tuple(w.casefold() for w in head) if " ".join(head).isascii() else ()
        if exact in _TYPE_KEYS or plain in _TYPE_KEYS:
            return " ".join(words[size:])
    return shown


def name_key(text: str) -> str:
    """Return the folded key of a unit name without its type word.

    Examples
    --------
    >>> name_key("Xã Vĩnh Kim"), name_key("TT. Ngô Mây"), name_key("phuong  Nhon Binh")
    ('vinh kim', 'ngo may', 'nhon binh')
    """
    return " ".join(re.sub(r"[^0-9a-z]+", " ", fold(_strip_type(text))).split())


_TYPE_KEYS: Final = _type_keys()


def _plain(text: str) -> str:
    """Return the whole name folded, type word kept, marked apart from the other keys."""
    return "~" + " ".join(re.sub(r"[^0-9a-z]+", " ", fold(text)).split())


def _exact_key(text: str) -> str:
    return tone_key(_strip_type(text))


@dataclass(frozen=True)
class UnitMatch:
    """What a name matched.

    Attributes
    ----------
    value
        The name as given.
    unit_id
        The unit, when exactly one matched.
    candidates
        The units the name matched when it matched several (ambiguous).
    suggestions
        The closest units when it matched none.
    """

    value: str
    unit_id: str | None
    candidates: tuple[str, ...] = ()
    suggestions: tuple[str, ...] = ()


class UnitNames:
    """An index of units by name, for matching names to codes.

    Parameters
    ----------
    units
        Columns ``unit_id``, ``name``, ``level`` and, optionally, ``parent_id`` and
        ``former_names`` (several separated by ``;``).
    level
        Only units of this level are matched (``"commune"``); ``None`` for all.
    former
        More names: former name -> the unit that carries it now (e.g. from a crosswalk).
    """

    def __init__(
        self,
        units: pd.DataFrame,
        *,
        level: str | None = "commune",
        former: Mapping[str, str] | None = None,
    ) -> None:
        ids = units["unit_id"].astype(str).tolist()
        self._name = dict(zip(ids, units["name"].astype(str).map(to_nfc), strict=True))
        parents = units["parent_id"] if "parent_id" in units else pd.Series([None] * len(units))
        self._parent = {
            i: (None if p is None or pd.isna(p) else str(p))
            for i, p in zip(ids, parents.tolist(), strict=True)
        }
        levels = units["level"].astype(str).tolist() if "level" in units else [None] * len(ids)
        self._ids = [i for i, lv in zip(ids, levels, strict=True) if level is None or lv == level]
        self._full: dict[str, set[str]] = defaultdict(set)
        self._exact: dict[str, set[str]] = defaultdict(set)
        self._folded: dict[str, set[str]] = defaultdict(set)
        names: list[tuple[str, str]] = [(i, self._name[i]) for i in self._ids]
        if "former_names" in units:
            for i, text in zip(ids, units["former_names"].tolist(), strict=True):
                if i in self._ids and isinstance(text, str):
                    names += [(i, n) for n in text.split(";") if n.strip()]
        names += [(str(u), str(n)) for n, u in (former or {}).items() if str(u) in self._name]
        for unit_id, text in names:
            self._full[tone_key(text)].add(unit_id)
            self._full[_plain(text)].add(unit_id)
            self._exact[_exact_key(text)].add(unit_id)
            self._folded[name_key(text)].add(unit_id)

    def describe(self, unit_id: str) -> str:
        """Return ``"21790 Xã Vĩnh Kim (Huyện Vĩnh Thạnh)"``: code, name, parent."""
        parent = self._parent.get(unit_id)
        where = f" ({self._name.get(parent, parent)})" if parent else ""
        return f"{unit_id} {self._name.get(unit_id, '?')}{where}"

    def match(self, value: str) -> UnitMatch:
        """Match one name (optionally qualified by its parent: "Ngô Mây, Phù Cát").

        Parameters
        ----------
        value
            The name as written.

        Returns
        -------
        UnitMatch
        """
        text = to_nfc(str(value)).strip()
        found = self._lookup(text)
        qualifier = _QUALIFIER.match(text)
        if len(found) != 1 and qualifier:
            inside = self._lookup(qualifier["name"])
            parent_key = name_key(qualifier["parent"])
            narrowed = {
                u
                for u in inside
                if name_key(self._name.get(self._parent.get(u) or "", "")) == parent_key
            }
            if narrowed or not found:
                found = narrowed or inside
        if len(found) == 1:
            return UnitMatch(text, next(iter(found)))
        if found:
            return UnitMatch(text, None, candidates=tuple(sorted(found)))
        keys = difflib.get_close_matches(name_key(text), list(self._folded), n=3, cutoff=0.7)
        close = tuple(dict.fromkeys(u for k in keys for u in sorted(self._folded[k])))
        return UnitMatch(text, None, suggestions=close)

    def _lookup(self, text: str) -> set[str]:
        full = self._full.get(tone_key(text), set()) or self._full.get(_plain(text), set())
        if len(full) == 1:  # "Phường Ngô Mây": the type word tells two "Ngô Mây" apart
            return set(full)
        exact = self._exact.get(_exact_key(text), set())
        if exact:
            return set(exact)
        return set(self._folded.get(name_key(text), set()))

    def match_all(self, values: Iterable[str]) -> dict[str, UnitMatch]:
        """Match every distinct value once."""
        return {v: self.match(v) for v in dict.fromkeys(values)}
