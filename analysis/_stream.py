"""Reading one very large text file block by block (issue 13).

:func:`normalized` and :func:`cleaned` give what the loader makes of a ``.txt`` document (its normalised
text, cleaned text, title, removals, word tokens and sketch) without ever holding the
document as one Python string: the UN General Debate corpus joined into one file of
190 MB (199 M characters, non-ASCII, so two bytes a character) is 379 MiB as a string,
and reading it at once held about 12x the file (issue 13 asks for at most 4x; this way
2.3x, benchmarks/README.md, "One text file, read a block at a time").

Two passes:

1. the file is read and decoded a block at a time (an incremental decoder), each
   block normalised (:func:`analysis.clean.normalize_text`, in pieces that end after a
   line end, which gives the whole text's normalisation) and appended as UTF-8 to one
   buffer, the ``raw_text`` the corpus keeps;
2. that buffer is cleaned a block of lines at a time
   (:class:`analysis.clean.CleanStream`, the same removals as cleaning the whole
   text), each block's body appended as UTF-8 to a second buffer and its word tokens
   counted (and keyed for the near-duplicate sketch) as it comes.

Both buffers become Arrow strings without a copy. The checks and messages of
:func:`analysis.corpus._decode` are the same, in the same order (an empty file, a
damaged byte-order mark, NUL bytes, NUL or control characters, only whitespace), and a
file that is not UTF-8 is read again as Windows-1252 (then Latin-1), with the same
warning. A file without any line end (one huge line) is still one block.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from .clean import CleanStream, Removal, normalize_text
from .corpus import (
    _BOMS,
    _FALLBACKS,
    _bad_bom,
    _binary,
    _control_head,
    _empty,
    _not_utf8,
    _unreadable,
)
from .duplicates import SketchStream
from .errors import AnalysisError
from .tokens import count_words, word_keys

#: Files larger than this many bytes are read a block at a time.
LONG_BYTES = 64 << 20
#: Bytes read (pass 1) or cleaned (pass 2) at a time, about.
BLOCK_BYTES = 1 << 22


@dataclass
class LongText:
    """What :func:`cleaned` makes of one normalised text."""

    text: Any  # pyarrow array of one string: the cleaned text
    n_chars: int  # characters of the cleaned text
    n_tokens: int
    title: str | None
    removals: tuple[Removal, ...]
    sketch: np.ndarray | None

    @property
    def chars_removed(self) -> int:
        return sum(r.chars for r in self.removals)


def normalized(path: Path, block: int | None = None) -> tuple[bytearray, int]:
    """The normalised text of the file ``path`` as UTF-8 bytes, and its length in
    characters: ``_read_text_file(path)``, read ``block`` bytes at a time (the file is
    opened once, by :func:`analysis.corpus._open_file`, and read again from its start
    only when it turns out not to be UTF-8)."""
    from .corpus import _open_file  # looked up now: the loader's safety tests watch it

    block = block or BLOCK_BYTES
    with _open_file(path) as f:
        try:
            return _normalized_file(path, f, block)
        except OSError as exc:
            raise _unreadable(path, exc) from None


def _normalized_file(path: Path, f: BinaryIO, block: int) -> tuple[bytearray, int]:
    start = f.read(4)
    for bom, enc, name in _BOMS:
        if start.startswith(bom):
            try:
                out = _normalized(path, f, enc, block, bom=True)
            except UnicodeDecodeError:
                raise _bad_bom(path, name) from None
            return _checked(path, *out)
    for enc, name in _FALLBACKS:
        try:
            out = _normalized(path, f, enc, block, bom=False)
        except UnicodeDecodeError:
            continue
        if enc != "utf-8":  # warned before the checks of the text, as _decode does
            _not_utf8(path, name)
        return _checked(path, *out)
    raise AssertionError("Latin-1 decodes any bytes")  # pragma: no cover


def _normalized(
    path: Path, f: BinaryIO, encoding: str, block: int, *, bom: bool
) -> tuple[bytearray, int, AnalysisError | None]:
    """The file ``f`` decoded with ``encoding`` from its start and normalised, and what
    is wrong with the text (raised once the caller has warned of the encoding), or
    UnicodeDecodeError. An empty file and NUL bytes are raised at once, as
    :func:`analysis.corpus._decode` raises them before decoding.

    Each block is normalised up to its last line end: the last ``\\n``, or a ``\\r``
    before the block's last character (a ``\\r`` is a line end on its own unless a
    ``\\n`` follows, and no step of :func:`analysis.clean.normalize_text` reaches across
    one), so a file with old Mac line ends is not carried over whole.
    """
    f.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)()
    out = bytearray()
    n_chars = 0
    tail = head = ""
    only_space = True  # every byte ASCII whitespace (the "empty" file of _decode)
    has_text = nul = False
    while True:
        data = f.read(block)
        final = not data
        only_space = only_space and (final or data.isspace())
        if not bom and b"\x00" in data:
            raise _binary(path)  # found before decoding, as in _decode
        text = decoder.decode(data, final=final)
        nul = nul or "\x00" in text
        if len(head) < 4096:
            head += text[: 4096 - len(head)]
        has_text = has_text or (bool(text) and not text.isspace())
        text = tail + text
        if final:
            cut = len(text)
        else:
            cut = max(text.rfind("\n"), text.rfind("\r", 0, len(text) - 1)) + 1
        tail = text[cut:]
        piece = normalize_text(text[:cut])
        out += piece.encode("utf-8")
        n_chars += len(piece)
        if final:
            break
    if only_space:
        raise _empty(path)
    if nul or _control_head(head):
        return out, n_chars, _binary(path)
    return out, n_chars, None if has_text else _empty(path)


def _checked(path: Path, out: bytearray, n_chars: int, problem: AnalysisError | None):
    if problem is not None:
        raise problem
    return out, n_chars


def cleaned(
    raw: bytearray,
    n_raw: int,
    *,
    rules,
    title: str | None,
    infer_title: bool,
    sketch: tuple[int, int] | None = None,
    block: int | None = None,
    keep_text: bool = True,
) -> LongText:
    """Clean the normalised UTF-8 text ``raw`` (``n_raw`` characters) a block of lines
    at a time; ``keep_text=False`` only finds the title and removals."""
    block = block or BLOCK_BYTES
    stream = CleanStream(rules, title=title, infer_title=infer_title, total_chars=n_raw)
    sketcher = SketchStream(*sketch) if sketch and keep_text else None
    view = memoryview(raw)
    out = bytearray()
    n_chars = n_tokens = 0
    a, n = 0, len(raw)
    while True:
        b = raw.find(b"\n", a + block) if a + block < n else -1
        final = b < 0
        lines = str(view[a : n if final else b], "utf-8").split("\n")
        body = stream.feed(lines, final=final)
        if body and keep_text:
            if sketcher is not None:
                keys, counts = word_keys([body])
                sketcher.feed(keys)
            else:
                counts = count_words([body])
            n_tokens += int(counts[0])
            out += body.encode("utf-8")
            n_chars += len(body)
        if final:
            break
        a = b + 1
    view.release()
    if keep_text and not stream.paragraphs:  # clean_text's one paragraph per line
        lines_ends = out.count(b"\n")
        out = out.replace(b"\n", b"\n\n")
        n_chars += lines_ends
    return LongText(
        text=arrow_string(out) if keep_text else None,
        n_chars=n_chars,
        n_tokens=n_tokens,
        title=stream.title,
        removals=stream.sorted_removals(),
        sketch=None if sketcher is None else sketcher.result(),
    )


def arrow_string(data: bytearray) -> Any:
    """A pyarrow ``large_string`` array of one string, the UTF-8 ``data``, without a copy."""
    import pyarrow as pa

    offsets = np.array([0, len(data)], dtype=np.int64)
    return pa.Array.from_buffers(
        pa.large_string(), 1, [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )
