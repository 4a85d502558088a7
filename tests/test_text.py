"""Tests for geodata.text: normalisation, folding and the TCVN3 / VNI-Windows tables."""

from __future__ import annotations

import string
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geodata.text import (
    contains_folded,
    decode_legacy,
    detect_legacy,
    encode_legacy,
    fold,
    to_nfc,
)

TONES = "\u0301\u0300\u0309\u0303\u0323"  # sắc, huyền, hỏi, ngã, nặng
BASES = ("a", "a\u0306", "a\u0302", "e", "e\u0302", "i", "o", "o\u0302", "o\u031b", "u",
         "u\u031b", "y")  # fmt: skip


def _letters() -> list[str]:
    """The 134 non-ASCII Vietnamese letters, built from Unicode data (not from the module)."""
    lower = ["đ"]
    for base in BASES:
        bare = unicodedata.normalize("NFC", base)
        if not bare.isascii():
            lower.append(bare)
        lower += [unicodedata.normalize("NFC", base + tone) for tone in TONES]
    return lower + [c.upper() for c in lower]


LETTERS = _letters()
TCVN3_UPPER = set("ĂÂÊÔƠƯĐ")
TCVN3_LETTERS = [c for c in LETTERS if c.islower() or c in TCVN3_UPPER]
SAFE_ASCII = string.ascii_letters + string.digits + " .,-()/"


def test_letter_inventory() -> None:
    assert len(LETTERS) == len(set(LETTERS)) == 134
    assert len(TCVN3_LETTERS) == 74


# --- to_nfc / fold / contains_folded -----------------------------------------------------


def test_to_nfc_composes_and_keeps_whitespace() -> None:
    nfd = unicodedata.normalize("NFD", "  Xã Vĩnh Kim\t")
    assert nfd != "  Xã Vĩnh Kim\t"
    assert to_nfc(nfd) == "  Xã Vĩnh Kim\t"
    assert unicodedata.is_normalized("NFC", to_nfc(nfd))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Xã Vĩnh Kim", "xa vinh kim"),
        ("ĐỒNG", "dong"),
        ("  Thôn\tĐồng \u00a0 Hưu ", "thon dong huu"),
        (unicodedata.normalize("NFD", "Phường Quang Trung"), "phuong quang trung"),
        ("Quy Nhơn", "quy nhon"),
        ("", ""),
    ],
)
def test_fold(value: str, expected: str) -> None:
    assert fold(value) == expected


@pytest.mark.parametrize(
    ("haystack", "needle", "expected"),
    [
        ("Xã Vĩnh Kim", "Vinh Kim", True),
        ("Xã Vĩnh Kim", "vĩnh  KIM", True),
        ("Thành phố Quy Nhơn", "QUY NHON", True),
        ("Huyện Hoài Ân", "Hoai An", True),
        ("Xã Vĩnh Kim", "Vinh Thinh", False),
        ("Đồng", "dong", True),
        ("An Lão", "", True),
    ],
)
def test_contains_folded(haystack: str, needle: str, expected: bool) -> None:
    assert contains_folded(haystack, needle) is expected


# --- known pairs -------------------------------------------------------------------------

# (Unicode, TCVN3 bytes, VNI-Windows bytes), checked by hand against the code tables.
KNOWN = [
    ("Vĩnh Kim", b"V\xdcnh Kim", b"V\xf3nh Kim"),
    ("Làng O2", b"L\xb5ng O2", b"La\xf8ng O2"),
    ("Thôn Đồng Hưu", b"Th\xabn \xa7\xe5ng H\xadu", b"Tho\xe2n \xd1o\xe0ng H\xf6u"),
    ("Bình Định", b"B\xd7nh \xa7\xdenh", b"B\xecnh \xd1\xf2nh"),
    ("Quy Nhơn", b"Quy Nh\xacn", b"Quy Nh\xf4n"),
    ("Hoài Ân", b"Ho\xb5i \xa2n", b"Hoa\xf8i A\xc2n"),
    ("Vân Canh", b"V\xa9n Canh", b"Va\xe2n Canh"),
    ("An Lão", b"An L\xb7o", b"An La\xf5o"),
    ("Phù Mỹ", b"Ph\xef M\xfc", b"Phu\xf8 My\xf5"),
    ("Tuy Phước", b"Tuy Ph\xad\xedc", b"Tuy Ph\xf6\xf4\xf9c"),
    ("Tây Sơn", b"T\xa9y S\xacn", b"Ta\xe2y S\xf4n"),
]


@pytest.mark.parametrize(("text", "tcvn3", "vni"), KNOWN)
def test_known_pairs(text: str, tcvn3: bytes, vni: bytes) -> None:
    assert encode_legacy(text, "tcvn3") == tcvn3
    assert encode_legacy(text, "vni") == vni
    # As GDAL (Latin-1) and Excel (Windows-1252) hand the text over.
    for codec in ("latin-1", "cp1252"):
        assert decode_legacy(tcvn3.decode(codec), "tcvn3") == text
        assert decode_legacy(vni.decode(codec), "vni") == text


@pytest.mark.parametrize(
    ("raw", "encoding", "expected"),
    [
        # Examples published with other converters (vietnamese-conversion README; a
        # TCVN3 converter's usage notes).
        ("Xin chaøo caùc baïn", "vni", "Xin chào các bạn"),
        ("B¶o Th¾ng", "tcvn3", "Bảo Thắng"),
        ("M\u00adêng Kh\u00ad¬ng", "tcvn3", "Mường Khương"),
        ("B\xb8t X\xb8t", "tcvn3", "Bát Xát"),
        ("ÑAÉK LAÉK", "vni", "ĐẮK LẮK"),
        ("Nhôn Lyù", "vni", "Nhơn Lý"),
    ],
)
def test_decode_published_examples(raw: str, encoding: str, expected: str) -> None:
    assert decode_legacy(raw, encoding) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("letter", "tcvn3"),
    [
        ("à", b"\xb5"), ("á", b"\xb8"), ("ạ", b"\xb9"), ("ă", b"\xa8"), ("ặ", b"\xc6"),
        ("â", b"\xa9"), ("ấ", b"\xca"), ("đ", b"\xae"), ("Đ", b"\xa7"), ("ê", b"\xaa"),
        ("ì", b"\xd7"), ("ò", b"\xdf"), ("ô", b"\xab"), ("ơ", b"\xac"), ("ư", b"\xad"),
        ("ự", b"\xf9"), ("ỵ", b"\xfe"), ("Ă", b"\xa1"), ("Ư", b"\xa6"),
    ],
)  # fmt: skip
def test_tcvn3_bytes(letter: str, tcvn3: bytes) -> None:
    assert encode_legacy(letter, "tcvn3") == tcvn3
    assert decode_legacy(tcvn3.decode("latin-1"), "tcvn3") == letter


@pytest.mark.parametrize(
    ("letter", "vni"),
    [
        ("á", b"a\xf9"), ("à", b"a\xf8"), ("ả", b"a\xfb"), ("ã", b"a\xf5"), ("ạ", b"a\xef"),
        ("ă", b"a\xea"), ("ằ", b"a\xe8"), ("â", b"a\xe2"), ("ậ", b"a\xe4"), ("đ", b"\xf1"),
        ("Đ", b"\xd1"), ("í", b"\xed"), ("ĩ", b"\xf3"), ("ị", b"\xf2"), ("ơ", b"\xf4"),
        ("ớ", b"\xf4\xf9"), ("ư", b"\xf6"), ("ữ", b"\xf6\xf5"), ("ỵ", b"\xee"),
        ("Ấ", b"A\xc1"), ("Ợ", b"\xd4\xcf"), ("Ỉ", b"\xc6"), ("Ỵ", b"\xce"),
    ],
)  # fmt: skip
def test_vni_bytes(letter: str, vni: bytes) -> None:
    assert encode_legacy(letter, "vni") == vni
    assert decode_legacy(vni.decode("latin-1"), "vni") == letter


# --- coverage of the tables --------------------------------------------------------------


def test_vni_covers_all_134_letters() -> None:
    codes = {letter: encode_legacy(letter, "vni") for letter in LETTERS}
    assert len(set(codes.values())) == 134
    for letter, code in codes.items():
        assert decode_legacy(code.decode("latin-1"), "vni") == letter


def test_tcvn3_covers_its_74_letters_and_refuses_upper_toned() -> None:
    codes = {letter: encode_legacy(letter, "tcvn3") for letter in TCVN3_LETTERS}
    assert len(set(codes.values())) == 74
    assert all(len(code) == 1 and code[0] >= 0xA1 for code in codes.values())
    for letter, code in codes.items():
        assert decode_legacy(code.decode("latin-1"), "tcvn3") == letter
    refused = [c for c in LETTERS if c not in TCVN3_LETTERS]
    assert len(refused) == 60
    for letter in refused:
        with pytest.raises(ValueError, match="no upper-case toned letters") as info:
            encode_legacy(letter, "tcvn3")
        assert repr(letter) in str(info.value)


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
@pytest.mark.parametrize("char", ["€", "ß", "Ω", "ç"])
def test_encode_rejects_unrepresentable(encoding: str, char: str) -> None:
    with pytest.raises(ValueError, match="cannot encode") as info:
        encode_legacy(f"Xã {char}", encoding)  # type: ignore[arg-type]
    assert repr(char) in str(info.value)


def test_unknown_encoding() -> None:
    with pytest.raises(ValueError, match="unknown legacy Vietnamese encoding"):
        decode_legacy("abc", "viscii")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown legacy Vietnamese encoding"):
        encode_legacy("abc", "viscii")  # type: ignore[arg-type]


def test_encode_accepts_decomposed_input() -> None:
    nfd = unicodedata.normalize("NFD", "Tuy Phước")
    assert encode_legacy(nfd, "vni") == b"Tuy Ph\xf6\xf4\xf9c"
    assert encode_legacy(nfd, "tcvn3") == b"Tuy Ph\xad\xedc"


# --- pass-through and NFC ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "encoding"),
    [
        ("Đồng Hưu", "tcvn3"),  # no byte reads as these letters: proper Unicode stays
        ("Œ\u2019€ 12", "tcvn3"),  # Windows-1252 punctuation: bytes 0x80-0x9F, not in the tables
        ("Œ\u2019€ 12", "vni"),
        ("ÃÀ", "tcvn3"),  # 0xC3, 0xC0: not used by TCVN3
        ("Kø ú", "vni"),  # a VNI modifier after a consonant has no letter
        ("\u00b5", "vni"),  # 0xB5 is not used by VNI
        ("plain ASCII 123", "vni"),
    ],
)
def test_decode_passes_unmapped_characters_through(raw: str, encoding: str) -> None:
    assert decode_legacy(raw, encoding) == raw  # type: ignore[arg-type]


def test_decode_output_is_nfc() -> None:
    # A decomposed letter next to legacy bytes comes out composed.
    out = decode_legacy("Vi\u0303nh Hoµi", "tcvn3")
    assert out == "Vĩnh Hoài"
    assert unicodedata.is_normalized("NFC", out)


# --- round trips -------------------------------------------------------------------------


@given(st.text(alphabet=SAFE_ASCII + "".join(TCVN3_LETTERS), max_size=40))
def test_round_trip_tcvn3(text: str) -> None:
    raw = encode_legacy(text, "tcvn3").decode("latin-1")
    decoded = decode_legacy(raw, "tcvn3")
    assert decoded == unicodedata.normalize("NFC", text)
    assert unicodedata.is_normalized("NFC", decoded)
    assert encode_legacy(unicodedata.normalize("NFD", text), "tcvn3") == raw.encode("latin-1")


@given(st.text(alphabet=SAFE_ASCII + "".join(LETTERS), max_size=40))
def test_round_trip_vni(text: str) -> None:
    raw = encode_legacy(text, "vni").decode("latin-1")
    decoded = decode_legacy(raw, "vni")
    assert decoded == unicodedata.normalize("NFC", text)
    assert unicodedata.is_normalized("NFC", decoded)
    assert decode_legacy(encode_legacy(text, "vni").decode("cp1252"), "vni") == decoded


# --- detect_legacy -----------------------------------------------------------------------

NAMES = [name for name, _, _ in KNOWN] + ["Phù Cát", "An Nhơn", "Hoài Nhơn", "Nhơn Lý"]


def _as_read(encoding: str, names: list[str]) -> list[str]:
    return [encode_legacy(n, encoding).decode("latin-1") for n in names]  # type: ignore[arg-type]


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_detect_positive(encoding: str) -> None:
    assert detect_legacy(_as_read(encoding, NAMES)) == encoding
    # A few values are enough; ASCII values and non-strings do not count.
    few = [*_as_read(encoding, ["Hoài Ân", "Phù Mỹ", "Tuy Phước"]), "An Nhon", "", "O2"]
    assert detect_legacy(few) == encoding
    assert detect_legacy(iter(few)) == encoding


def test_detect_single_value() -> None:
    assert detect_legacy(["Hoµi ¢n"]) == "tcvn3"
    assert detect_legacy(["Hoaøi AÂn"]) == "vni"


@pytest.mark.parametrize(
    "values",
    [
        [],
        ["An Nhon", "Quy Nhon", "O2"],  # pure ASCII
        ["Xã Vĩnh Kim", "Làng O2", "Thôn Đồng Hưu"],  # ordinary Unicode Vietnamese
        NAMES,
        ["Làng", "Hà Thanh", "Cát Tài", "Tam Quan", "Sè"],  # Unicode using Latin-1 letters only
        ["Café", "Résumé", "Hôtel Rex", "Noël", "Park", "Hé"],  # French / English
        ["crème brûlée", "naïve", "Müller", "São Paulo"],
        [unicodedata.normalize("NFD", n) for n in NAMES],  # decomposed Unicode
    ],
)
def test_detect_negative(values: list[str]) -> None:
    assert detect_legacy(values) is None


def test_detect_mixed_lists() -> None:
    tcvn3 = _as_read("tcvn3", NAMES[:6])
    vni = _as_read("vni", NAMES[:6])
    unicode_names = NAMES[:6]
    # Half legacy, half Unicode, or half of each encoding: no clear majority.
    assert detect_legacy(tcvn3 + unicode_names) is None
    assert detect_legacy(vni + unicode_names) is None
    assert detect_legacy(tcvn3 + vni) is None
    # A clear majority wins over a stray Unicode value.
    assert detect_legacy([*_as_read("tcvn3", NAMES), "Xã Vĩnh Kim"]) == "tcvn3"
    assert detect_legacy([*_as_read("vni", NAMES), "Xã Vĩnh Kim"]) == "vni"
