"""Vietnamese text handling: normalisation, folded matching and legacy 8-bit encodings.

Place names in Bình Định data arrive in three shapes:

* proper Unicode, possibly decomposed (NFD) -- :func:`to_nfc` fixes that;
* with or without diacritics, in any case -- :func:`fold` and :func:`contains_folded`
  match them ("Vinh Kim" finds "Xã Vĩnh Kim");
* written in a pre-Unicode Vietnamese 8-bit encoding but read as Latin-1 / Windows-1252
  (a .dbf without a code page read by GDAL, a VNI or TCVN3 sheet opened in Excel), so
  that "Hoài Ân" shows up as ``"Hoµi ¢n"`` (TCVN3) or ``"Hoaøi AÂn"`` (VNI) --
  :func:`detect_legacy` recognises such columns and :func:`decode_legacy` repairs them.

Two legacy encodings are supported:

``"tcvn3"``
    TCVN 5712:1993, repertoire VN3 (the "ABC" / ``.VnTime`` fonts). One byte per letter.
    VN3 has the 67 lower-case letters (every toned/modified vowel and đ) but, of the
    upper-case letters, only the bare modified ones Ă Â Ê Ô Ơ Ư Đ: upper-case toned letters
    were typed with the lower-case codes in a capitals font (``.VnTimeH``), so they cannot
    be told apart from lower case and :func:`encode_legacy` refuses them.
``"vni"``
    VNI-Windows (the ``VNI-Times`` fonts). Most vowels are a base letter followed by a
    modifier byte (``"à"`` is ``"a"`` + ``"ø"``); i-vowels, ỵ, ơ, ư and đ have bytes of their
    own; ơ and ư with a tone are the ơ/ư byte plus the modifier. All 134 letters, upper and
    lower case, are covered.

Sources of the code tables (all agree, letter by letter, on every entry used here):

* Unikey's conversion tables (Phạm Kim Long; as in the ``ibus-unikey`` sources,
  ``ukengine/tables/singlebyte/tcvn3.cpp`` and ``ukengine/tables/doublebytes/vni_win.cpp``);
* the ``vietnamese-conversion`` npm package (github.com/duydev/vietnamese-conversion,
  ``src/charsets.ts``), VNI in full and TCVN3 for its single-byte entries;
* the VBKey code tables (github.com/khiemdoan/VBKey, ``Modules/mdlCodeTable.bas``);
* for TCVN3 also glibc iconv's ``TCVN5712-1`` (the VN1 superset of VN3): it decodes each of
  the 74 TCVN3 bytes below to the same letter.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from types import MappingProxyType
from typing import TYPE_CHECKING, Final, Literal

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

__all__ = [
    "LegacyEncoding",
    "contains_folded",
    "decode_legacy",
    "detect_legacy",
    "encode_legacy",
    "fold",
    "to_nfc",
]

log = logging.getLogger(__name__)

LegacyEncoding = Literal["tcvn3", "vni"]

# ---------------------------------------------------------------------------
# Code tables: Unicode letter (NFC) -> bytes. ASCII maps to itself in both encodings.
# Per row: the bare modified letter (if any), then sắc, huyền, hỏi, ngã, nặng.
# ---------------------------------------------------------------------------

_TCVN3: Final[Mapping[str, bytes]] = MappingProxyType(
    {
        "á": b"\xb8", "à": b"\xb5", "ả": b"\xb6", "ã": b"\xb7", "ạ": b"\xb9",
        "ă": b"\xa8", "ắ": b"\xbe", "ằ": b"\xbb", "ẳ": b"\xbc", "ẵ": b"\xbd", "ặ": b"\xc6",
        "â": b"\xa9", "ấ": b"\xca", "ầ": b"\xc7", "ẩ": b"\xc8", "ẫ": b"\xc9", "ậ": b"\xcb",
        "é": b"\xd0", "è": b"\xcc", "ẻ": b"\xce", "ẽ": b"\xcf", "ẹ": b"\xd1",
        "ê": b"\xaa", "ế": b"\xd5", "ề": b"\xd2", "ể": b"\xd3", "ễ": b"\xd4", "ệ": b"\xd6",
        "í": b"\xdd", "ì": b"\xd7", "ỉ": b"\xd8", "ĩ": b"\xdc", "ị": b"\xde",
        "ó": b"\xe3", "ò": b"\xdf", "ỏ": b"\xe1", "õ": b"\xe2", "ọ": b"\xe4",
        "ô": b"\xab", "ố": b"\xe8", "ồ": b"\xe5", "ổ": b"\xe6", "ỗ": b"\xe7", "ộ": b"\xe9",
        "ơ": b"\xac", "ớ": b"\xed", "ờ": b"\xea", "ở": b"\xeb", "ỡ": b"\xec", "ợ": b"\xee",
        "ú": b"\xf3", "ù": b"\xef", "ủ": b"\xf1", "ũ": b"\xf2", "ụ": b"\xf4",
        "ư": b"\xad", "ứ": b"\xf8", "ừ": b"\xf5", "ử": b"\xf6", "ữ": b"\xf7", "ự": b"\xf9",
        "ý": b"\xfd", "ỳ": b"\xfa", "ỷ": b"\xfb", "ỹ": b"\xfc", "ỵ": b"\xfe",
        "đ": b"\xae",
        # Upper case: only the bare modified letters exist in VN3.
        "Ă": b"\xa1", "Â": b"\xa2", "Ê": b"\xa3", "Ô": b"\xa4", "Ơ": b"\xa5", "Ư": b"\xa6",
        "Đ": b"\xa7",
    }
)  # fmt: skip

_VNI: Final[Mapping[str, bytes]] = MappingProxyType(
    {
        "á": b"a\xf9", "à": b"a\xf8", "ả": b"a\xfb", "ã": b"a\xf5", "ạ": b"a\xef",
        "ă": b"a\xea", "ắ": b"a\xe9", "ằ": b"a\xe8", "ẳ": b"a\xfa", "ẵ": b"a\xfc", "ặ": b"a\xeb",
        "â": b"a\xe2", "ấ": b"a\xe1", "ầ": b"a\xe0", "ẩ": b"a\xe5", "ẫ": b"a\xe3", "ậ": b"a\xe4",
        "é": b"e\xf9", "è": b"e\xf8", "ẻ": b"e\xfb", "ẽ": b"e\xf5", "ẹ": b"e\xef",
        "ê": b"e\xe2", "ế": b"e\xe1", "ề": b"e\xe0", "ể": b"e\xe5", "ễ": b"e\xe3", "ệ": b"e\xe4",
        "í": b"\xed", "ì": b"\xec", "ỉ": b"\xe6", "ĩ": b"\xf3", "ị": b"\xf2",
        "ó": b"o\xf9", "ò": b"o\xf8", "ỏ": b"o\xfb", "õ": b"o\xf5", "ọ": b"o\xef",
        "ô": b"o\xe2", "ố": b"o\xe1", "ồ": b"o\xe0", "ổ": b"o\xe5", "ỗ": b"o\xe3", "ộ": b"o\xe4",
        "ơ": b"\xf4",
        "ớ": b"\xf4\xf9", "ờ": b"\xf4\xf8", "ở": b"\xf4\xfb", "ỡ": b"\xf4\xf5", "ợ": b"\xf4\xef",
        "ú": b"u\xf9", "ù": b"u\xf8", "ủ": b"u\xfb", "ũ": b"u\xf5", "ụ": b"u\xef",
        "ư": b"\xf6",
        "ứ": b"\xf6\xf9", "ừ": b"\xf6\xf8", "ử": b"\xf6\xfb", "ữ": b"\xf6\xf5", "ự": b"\xf6\xef",
        "ý": b"y\xf9", "ỳ": b"y\xf8", "ỷ": b"y\xfb", "ỹ": b"y\xf5", "ỵ": b"\xee",
        "đ": b"\xf1",
        "Á": b"A\xd9", "À": b"A\xd8", "Ả": b"A\xdb", "Ã": b"A\xd5", "Ạ": b"A\xcf",
        "Ă": b"A\xca", "Ắ": b"A\xc9", "Ằ": b"A\xc8", "Ẳ": b"A\xda", "Ẵ": b"A\xdc", "Ặ": b"A\xcb",
        "Â": b"A\xc2", "Ấ": b"A\xc1", "Ầ": b"A\xc0", "Ẩ": b"A\xc5", "Ẫ": b"A\xc3", "Ậ": b"A\xc4",
        "É": b"E\xd9", "È": b"E\xd8", "Ẻ": b"E\xdb", "Ẽ": b"E\xd5", "Ẹ": b"E\xcf",
        "Ê": b"E\xc2", "Ế": b"E\xc1", "Ề": b"E\xc0", "Ể": b"E\xc5", "Ễ": b"E\xc3", "Ệ": b"E\xc4",
        "Í": b"\xcd", "Ì": b"\xcc", "Ỉ": b"\xc6", "Ĩ": b"\xd3", "Ị": b"\xd2",
        "Ó": b"O\xd9", "Ò": b"O\xd8", "Ỏ": b"O\xdb", "Õ": b"O\xd5", "Ọ": b"O\xcf",
        "Ô": b"O\xc2", "Ố": b"O\xc1", "Ồ": b"O\xc0", "Ổ": b"O\xc5", "Ỗ": b"O\xc3", "Ộ": b"O\xc4",
        "Ơ": b"\xd4",
        "Ớ": b"\xd4\xd9", "Ờ": b"\xd4\xd8", "Ở": b"\xd4\xdb", "Ỡ": b"\xd4\xd5", "Ợ": b"\xd4\xcf",
        "Ú": b"U\xd9", "Ù": b"U\xd8", "Ủ": b"U\xdb", "Ũ": b"U\xd5", "Ụ": b"U\xcf",
        "Ư": b"\xd6",
        "Ứ": b"\xd6\xd9", "Ừ": b"\xd6\xd8", "Ử": b"\xd6\xdb", "Ữ": b"\xd6\xd5", "Ự": b"\xd6\xcf",
        "Ý": b"Y\xd9", "Ỳ": b"Y\xd8", "Ỷ": b"Y\xdb", "Ỹ": b"Y\xd5", "Ỵ": b"\xce",
        "Đ": b"\xd1",
    }
)  # fmt: skip

_ENCODE: Final[Mapping[str, Mapping[str, bytes]]] = MappingProxyType({"tcvn3": _TCVN3, "vni": _VNI})


def _invert(table: Mapping[str, bytes]) -> dict[str, str]:
    """Map each byte sequence, as Latin-1 characters, back to its Unicode letter."""
    inverse = {code.decode("latin-1"): letter for letter, code in table.items()}
    if len(inverse) != len(table):  # pragma: no cover - guards the literal tables above
        msg = "legacy code table maps two letters to the same bytes"
        raise RuntimeError(msg)
    return inverse


_DECODE: Final[Mapping[str, Mapping[str, str]]] = MappingProxyType(
    {name: MappingProxyType(_invert(table)) for name, table in _ENCODE.items()}
)

# Longest sequences first: Python's regex alternation takes the first alternative that matches.
_DECODE_RE: Final[Mapping[str, re.Pattern[str]]] = MappingProxyType(
    {
        name: re.compile("|".join(re.escape(key) for key in sorted(inverse, key=len, reverse=True)))
        for name, inverse in _DECODE.items()
    }
)

# Windows-1252 characters of 0x80-0x9F (e.g. "Œ" U+0152 -> 0x8C), mapped back to their byte.
_CP1252_BYTE: Final[Mapping[str, int]] = MappingProxyType(
    {
        bytes([byte]).decode("cp1252"): byte
        for byte in range(0x80, 0xA0)
        if byte not in {0x81, 0x8D, 0x8F, 0x90, 0x9D}  # undefined in Windows-1252
    }
)

# ---------------------------------------------------------------------------
# Vietnamese letters and syllables (used by detect_legacy's plausibility test).
# ---------------------------------------------------------------------------

_TONE_MARKS: Final = "\u0301\u0300\u0309\u0303\u0323"  # sắc, huyền, hỏi, ngã, nặng
_VOWEL_BASES: Final = (
    "a", "a\u0306", "a\u0302", "e", "e\u0302", "i", "o", "o\u0302", "o\u031b", "u", "u\u031b", "y",
)  # fmt: skip


def _vietnamese_letters() -> frozenset[str]:
    """Return the 134 non-ASCII Vietnamese letters (NFC), upper and lower case."""
    lower = {"đ"}
    for base in _VOWEL_BASES:
        lower.add(unicodedata.normalize("NFC", base))
        lower.update(unicodedata.normalize("NFC", base + tone) for tone in _TONE_MARKS)
    lower -= set("aeiouy")
    return frozenset(lower | {letter.upper() for letter in lower})


_VIETNAMESE_LETTERS: Final = _vietnamese_letters()
_LOWER_LETTERS: Final = frozenset(
    {c for c in _VIETNAMESE_LETTERS if c.islower()} | set("abcdefghijklmnopqrstuvwxyz")
)

# Vowel nuclei (tone marks removed) that may be followed by a final consonant, and those that
# end in a semivowel or are open diphthongs and so end the syllable.
_NUCLEI_CLOSABLE: Final = (
    "uyê", "iê", "yê", "uô", "ươ", "oa", "oă", "oe", "oo", "uâ", "uê", "uy",
    "a", "ă", "â", "e", "ê", "i", "y", "o", "ô", "ơ", "u", "ư",
)  # fmt: skip
_NUCLEI_OPEN: Final = (
    "iêu", "yêu", "oai", "oay", "oao", "oeo", "uây", "uôi", "ươi", "ươu", "uya", "uyu",
    "ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia", "iu", "oi", "ôi", "ơi", "ua", "ui",
    "ưa", "ưi", "ưu", "uơ",
)  # fmt: skip
_SYLLABLE_RE: Final = re.compile(
    "(?:ngh|ng|nh|ch|gh|gi|kh|ph|th|tr|qu|[bcdđghklmnprstvx])?"
    f"(?:(?:{'|'.join(_NUCLEI_OPEN)})|(?:{'|'.join(_NUCLEI_CLOSABLE)})(?:ng|nh|ch|[cmnpt])?)"
)
# Words are separated by whitespace and ASCII punctuation; anything else stays in the word.
_WORD_SPLIT_RE: Final = re.compile(r"[\s!-/:-@\[-`{-~]+")

# detect_legacy thresholds, as shares of the non-ASCII values.
_DECODES_SHARE: Final = 0.75  # decode (with a change) to plausible Vietnamese
_RAW_IMPLAUSIBLE_SHARE: Final = 0.5  # ... and are not plausible Vietnamese as they stand


# ---------------------------------------------------------------------------
# Normalisation and matching
# ---------------------------------------------------------------------------


def to_nfc(value: str) -> str:
    """Return `value` in Unicode normalisation form C (precomposed letters).

    Only the normalisation form changes; whitespace is left exactly as it is.

    Parameters
    ----------
    value : str
        Any text, e.g. a decomposed (NFD) place name from a macOS file name.

    Returns
    -------
    str
        The NFC form of `value`.

    Examples
    --------
    >>> to_nfc("Vi\u0303nh") == "Vĩnh"
    True
    """
    return unicodedata.normalize("NFC", value)


def fold(value: str) -> str:
    """Return a matching key that ignores case, diacritics and spacing.

    The text is case-folded, decomposed (NFD), stripped of every combining mark, đ is
    mapped to d, runs of whitespace become one space and the ends are trimmed.

    Parameters
    ----------
    value : str
        Text to fold.

    Returns
    -------
    str
        The folded key (ASCII for Vietnamese text).

    Examples
    --------
    >>> fold("Xã  Vĩnh Kim ")
    'xa vinh kim'
    >>> fold("ĐỒNG")
    'dong'
    """
    decomposed = unicodedata.normalize("NFD", value.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.replace("đ", "d").split())


def contains_folded(haystack: str, needle: str) -> bool:
    """Tell whether `needle` occurs in `haystack`, ignoring case, diacritics and spacing.

    Parameters
    ----------
    haystack : str
        Text to search in.
    needle : str
        Text to look for; an empty (or blank) needle is found everywhere.

    Returns
    -------
    bool
        ``fold(needle) in fold(haystack)``.

    Examples
    --------
    >>> contains_folded("Xã Vĩnh Kim", "Vinh Kim")
    True
    """
    return fold(needle) in fold(haystack)


# ---------------------------------------------------------------------------
# Legacy encodings
# ---------------------------------------------------------------------------


def _check_encoding(encoding: str) -> None:
    if encoding not in _ENCODE:
        msg = f"unknown legacy Vietnamese encoding {encoding!r}; expected 'tcvn3' or 'vni'"
        raise ValueError(msg)


def _char_byte(char: str) -> int | None:
    """Return the byte `char` stands for when bytes were read as Windows-1252 or Latin-1."""
    byte = _CP1252_BYTE.get(char)
    if byte is not None:
        return byte
    code = ord(char)
    return code if code < 0x100 else None


def _as_byte_chars(text: str) -> str:
    """Rewrite `text` so that each character is its byte as a Latin-1 character.

    Characters that no byte reads as are kept, so positions line up with `text`.
    """
    if text.isascii():
        return text
    out = []
    for char in text:
        byte = _char_byte(char)
        out.append(char if byte is None else chr(byte))
    return "".join(out)


def decode_legacy(text: str, encoding: LegacyEncoding) -> str:
    """Repair text written in TCVN3 or VNI-Windows but read as Windows-1252 / Latin-1.

    Each character is taken back to the byte it was read from (Windows-1252 first, so
    "Œ" is 0x8C; otherwise its code point if below 256). Byte sequences of the code table
    are replaced by their letter, longest match first (VNI letters are often two bytes:
    ``"aø"`` is "à"); every other character is kept as it is, including characters that
    no byte reads as (so proper Unicode letters such as "Đ" or "ơ" pass through).

    Parameters
    ----------
    text : str
        Text as read, e.g. ``"Hoµi ¢n"`` (TCVN3) or ``"Hoaøi AÂn"`` (VNI).
    encoding : {"tcvn3", "vni"}
        The legacy encoding the text was written in.

    Returns
    -------
    str
        The text in Unicode, NFC.

    Raises
    ------
    ValueError
        If `encoding` is not ``"tcvn3"`` or ``"vni"``.

    Notes
    -----
    TCVN3 has no upper-case toned letters (see the module notes): text typed in a capitals
    font (``.VnTimeH``) decodes to lower case.

    Examples
    --------
    >>> decode_legacy("Hoµi ¢n", "tcvn3")
    'Hoài Ân'
    >>> decode_legacy("Hoaøi AÂn", "vni")
    'Hoài Ân'
    """
    _check_encoding(encoding)
    if text.isascii():
        return text
    table = _DECODE[encoding]
    mapped = _as_byte_chars(text)  # same length as `text`, one character per character
    pieces: list[str] = []
    position = 0
    for match in _DECODE_RE[encoding].finditer(mapped):
        pieces.append(text[position : match.start()])
        pieces.append(table[match.group()])
        position = match.end()
    pieces.append(text[position:])
    return unicodedata.normalize("NFC", "".join(pieces))


def encode_legacy(text: str, encoding: LegacyEncoding) -> bytes:
    r"""Encode Unicode text in TCVN3 or VNI-Windows (the inverse of :func:`decode_legacy`).

    Meant for building test fixtures, e.g. a TCVN3-encoded shapefile. The text is first
    brought to NFC; ASCII is kept as it is.

    Parameters
    ----------
    text : str
        Unicode text made of ASCII and Vietnamese letters.
    encoding : {"tcvn3", "vni"}
        Target encoding.

    Returns
    -------
    bytes
        The encoded text.

    Raises
    ------
    ValueError
        If `encoding` is unknown, or a character is not representable: any non-ASCII
        character other than a Vietnamese letter and, in TCVN3, the upper-case toned
        letters (TCVN3 / VN3 only has Ă Â Ê Ô Ơ Ư Đ in upper case).

    Examples
    --------
    >>> encode_legacy("Hoài Ân", "vni")
    b'Hoa\xf8i A\xc2n'
    """
    _check_encoding(encoding)
    table = _ENCODE[encoding]
    out = bytearray()
    for position, char in enumerate(unicodedata.normalize("NFC", text)):
        if char.isascii():
            out += char.encode("ascii")
            continue
        code = table.get(char)
        if code is None:
            msg = (
                f"cannot encode {char!r} (U+{ord(char):04X}) at position {position} "
                f"in {encoding.upper()}"
            )
            if encoding == "tcvn3" and char.lower() in _TCVN3:
                msg += "; TCVN3 (VN3) has no upper-case toned letters"
            raise ValueError(msg)
        out += code
    return bytes(out)


def _plausible_word(word: str) -> bool:
    """Tell whether a non-ASCII word is one well-formed Vietnamese syllable."""
    word = unicodedata.normalize("NFC", word.casefold())
    if not all(c in _LOWER_LETTERS for c in word):
        return False
    decomposed = unicodedata.normalize("NFD", word)
    if sum(c in _TONE_MARKS for c in decomposed) > 1:
        return False
    toneless = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE_MARKS))
    return _SYLLABLE_RE.fullmatch(toneless) is not None


def _plausible(text: str) -> bool:
    """Tell whether every non-ASCII word of `text` is a well-formed Vietnamese syllable."""
    return all(_plausible_word(word) for word in _WORD_SPLIT_RE.split(text) if not word.isascii())


def detect_legacy(values: Iterable[str]) -> LegacyEncoding | None:
    """Guess whether text values are TCVN3 or VNI read as Windows-1252 / Latin-1.

    The guess is conservative. Only values with non-ASCII characters count; a value with
    a character no byte reads as (e.g. "ĩ", "Đ", "ư") is proper Unicode. An encoding is
    returned when at least 75 % of the non-ASCII values decode, with a change, to plausible
    Vietnamese (every word with a non-ASCII letter a well-formed syllable: known initial,
    vowel nucleus and final, at most one tone mark) and at least half of them are not
    plausible Vietnamese as they stand. Otherwise -- no non-ASCII value, ordinary Unicode
    Vietnamese, other languages, a mix, or both encodings equally likely -- it is ``None``.

    Parameters
    ----------
    values : iterable of str
        Text values as read (e.g. one attribute column); non-strings are skipped.

    Returns
    -------
    {"tcvn3", "vni"} or None
        The encoding, or ``None`` when there is no clear evidence.

    Examples
    --------
    >>> detect_legacy(["Hoµi ¢n", "V©n Canh", "Quy Nh¬n"])
    'tcvn3'
    >>> detect_legacy(["Xã Vĩnh Kim", "Làng O2", "Thôn Đồng Hưu"]) is None
    True
    """
    total = 0
    decodes: Counter[LegacyEncoding] = Counter()
    raw_implausible: Counter[LegacyEncoding] = Counter()
    encodings: tuple[LegacyEncoding, ...] = ("tcvn3", "vni")
    for value in values:
        if not isinstance(value, str) or value.isascii():
            continue
        total += 1
        if any(ord(c) > 0xFF for c in _as_byte_chars(value)):
            continue  # proper Unicode: no 8-bit reading produces this character
        raw_ok = _plausible(value)
        for encoding in encodings:
            decoded = decode_legacy(value, encoding)
            if decoded != value and _plausible(decoded):
                decodes[encoding] += 1
                raw_implausible[encoding] += not raw_ok
    candidates = [
        encoding
        for encoding in encodings
        if decodes[encoding] >= _DECODES_SHARE * total
        and raw_implausible[encoding] >= _RAW_IMPLAUSIBLE_SHARE * total
        and total > 0
    ]
    log.debug(
        "detect_legacy: %d non-ASCII values, decode to Vietnamese %s, of which not "
        "Vietnamese as read %s",
        total,
        dict(decodes),
        dict(raw_implausible),
    )
    if len(candidates) == 1:
        return candidates[0]
    if len(candidates) == 2:  # both encodings fit: keep the clearly better one
        tcvn3, vni = (raw_implausible[e] + decodes[e] for e in encodings)
        if tcvn3 != vni:
            return "tcvn3" if tcvn3 > vni else "vni"
    return None
