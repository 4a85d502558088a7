"""A small text file read whole: a settings or price table a department edits (CSV).

:func:`read_text_file` returns the text of a UTF-8 file (with or without a byte-order
mark; Excel's "CSV UTF-8" writes one), or of a Windows-1258 file (Excel's plain "CSV" on
a Vietnamese Windows), in NFC. Layers go through :mod:`geodata.load.raw` instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from geodata.errors import InputFileError
from geodata.text import to_nfc

__all__ = ["read_text_file"]

#: Larger than any price or settings table; refuse a layer given by mistake.
MAX_BYTES: Final = 5_000_000


def read_text_file(path: str | Path) -> str:
    """Return the text of a small file (UTF-8, else Windows-1258), in NFC.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    str

    Raises
    ------
    geodata.InputFileError
        The file is missing, unreadable, larger than 5 MB, or in neither encoding.
    """
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as err:
        msg = f"{p}: cannot read the file ({err.strerror or err}). Check the path."
        raise InputFileError(msg) from None
    if len(data) > MAX_BYTES:
        msg = f"{p}: {len(data):,} bytes is too large for a table of prices or settings."
        raise InputFileError(msg)
    for codec in ("utf-8-sig", "cp1258"):
        try:
            return to_nfc(data.decode(codec))
        except UnicodeDecodeError:
            continue
    msg = f"{p}: the text is neither UTF-8 nor Windows-1258; save it as 'CSV UTF-8'."
    raise InputFileError(msg)  # pragma: no cover - cp1258 decodes almost any byte
