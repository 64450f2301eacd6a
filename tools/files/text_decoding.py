"""How a file's bytes become text: byte-order marks, UTF-8, a legacy fallback, binary refusal."""

from __future__ import annotations

import codecs
from dataclasses import dataclass

SNIFF_BYTES = 8192
"""How much of a file's start decides its encoding and whether it is binary."""

_TEXT_CONTROLS = frozenset(b"\t\n\r\f\b\x1b")
_BINARY_CONTROL_RATIO = 0.10


@dataclass(frozen=True)
class Encoding:
    """The codec a file is read with, and why, when it is not plain UTF-8."""

    name: str
    note: str | None = None


def sniff(head: bytes) -> Encoding | None:
    """The encoding for a file starting with ``head``, or ``None`` when it looks binary."""
    if head.startswith(codecs.BOM_UTF8):
        return Encoding("utf-8-sig")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and not head.startswith(
        codecs.BOM_UTF32_LE
    ):
        return Encoding("utf-16")
    if b"\x00" in head:
        return None
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)  # a character cut at the sniff boundary is fine
    except UnicodeDecodeError:
        return legacy(head)
    return Encoding("utf-8")


def legacy(data: bytes) -> Encoding | None:
    """A single-byte encoding for text that is not UTF-8, or ``None`` when it looks binary."""
    if data:
        controls = sum(1 for byte in data if byte < 0x20 and byte not in _TEXT_CONTROLS)
        if controls / len(data) > _BINARY_CONTROL_RATIO:
            return None
    for name in ("cp1252", "latin-1"):
        try:
            data.decode(name)
        except UnicodeDecodeError:
            continue
        return Encoding(name, note=f"not valid UTF-8; decoded as {name} (a guess)")
    return None  # unreachable: latin-1 decodes every byte
