"""The text of a file to summarize, with its outline and TODO lines."""

from __future__ import annotations

from dataclasses import dataclass

from tools.code.identifiers import scan
from tools.code.outline_model import FileOutline
from tools.errors import BinaryFile
from tools.files.text_decoding import SNIFF_BYTES, sniff


@dataclass(frozen=True)
class SourceText:
    relative: str
    text: str
    size: int
    outline: FileOutline
    todos: tuple[tuple[int, str], ...]
    lines: list[str]


def load_source(data: bytes, outline: FileOutline) -> SourceText:
    """The file's text (refusing binary files), with its outline and TODO lines."""
    encoding = sniff(data[:SNIFF_BYTES])
    if encoding is None:
        raise BinaryFile(f"{outline.path!r} looks binary; summarize reads text files")
    text = data.decode(encoding.name, errors="replace")
    return SourceText(outline.path, text, len(data), outline, scan(data).todos, text.splitlines())
