"""Large files written in slices: :func:`open_sliced`.

The package writes a few large files: a long table (:func:`analysis.save_table`; the
keyness table of the UN General Debate's 4.8 million 1-2-grams is 645 MB of CSV) and the
cache's entries (the cleaned corpus as Arrow, tokens and matrices as ``.npz``, a
vocabulary as Parquet). Each library hands the operating system large buffers, one
``write()`` each: numpy 16 MiB at a time, Arrow each buffer of a record batch (the
corpus' texts, 200 MB), Parquet a page (about 1 MiB), our CSV writer a chunk of rows.

On the two-core virtual machine of the benchmarks (Linux 6.18, ext4), in the slow state
it was often in, how many bytes one ``write()`` carried was the main factor in what it
cost to put them in the page cache. Writing 645 MB took 0.13-0.27 s in writes of
64-256 KiB whenever it was measured, but 2.4-3.4 s in writes of 1 MiB at one time
(0.12 s at another) and 4.2-6.1 s in writes of 16 MiB (``dd``, and a Python loop of
``os.write``), nearly all of it in the kernel copying the bytes into page-cache folios
(``copy_folio_from_iter_atomic`` under ``perf``). A kernel with large folios gives a
write a folio as large as the write allows (up to 2 MiB on x86-64). The likely cause
is that on this guest large free blocks are the ones it has handed back to its host
(virtio-balloon free page reporting reports blocks of 2 MiB and more), so the first
touch of each page faults in the host. Writing the UN keyness table with
:func:`analysis.save_table` took 6.3-8.3 s (3.8-5.6 s in the kernel) in the CSV
writer's chunks of rows, and 2.5-3.0 s (0.4-0.5 s in the kernel) in slices of 256 KiB
(benchmarks/README.md, "Writes in slices").

:func:`open_sliced` opens a file whose writes reach the operating system at most
:data:`WRITE_SLICE` bytes at a time. The bytes written are the same. Where large writes
are cheap, slices cost one system call per 256 KiB (about 2,460 for the keyness table).
coreutils' ``cp`` and ``cat`` read and write 256 KiB at a time too (``IO_BUFSIZE``,
``src/ioblksize.h``; in 2024 "the best blocksize to minimize system call overhead
across most systems when copying files", ``src/copy.h``).
"""

from __future__ import annotations

import io
import os

#: Most bytes one ``write()`` system call of :func:`open_sliced`'s files carries.
WRITE_SLICE = 1 << 18


class _SlicedFileIO(io.FileIO):
    """A raw binary file (:class:`io.FileIO`) that writes at most :data:`WRITE_SLICE`
    bytes per system call.

    As :meth:`io.RawIOBase.write` asks, :meth:`write` returns the number of bytes
    written, which may be fewer than given: it stops at the first short write, and at an
    error after some bytes were written (an error that lasts is raised by the next call),
    so :class:`io.BufferedWriter` writes the rest, and never a byte twice.
    """

    _raw_write = io.FileIO.write  # one system call; may write fewer bytes than it is given

    def write(self, b) -> int | None:
        view = memoryview(b).cast("B")  # by bytes, whatever the buffer's item type
        done = 0
        while done < len(view):
            part = view[done : done + WRITE_SLICE]
            try:
                written = self._raw_write(part)
            except OSError:
                if done:
                    return done
                raise
            if written is None:  # would block (a non-blocking file; ours are regular)
                return done or None
            done += written
            if written < len(part):
                break
        return done


def open_sliced(path: str | os.PathLike) -> io.BufferedWriter:
    """Open ``path`` for writing in binary (created or truncated, as ``open(path, "wb")``)
    as a buffered file whose writes reach the operating system in slices of at most
    :data:`WRITE_SLICE` bytes (module docstring). Seekable, so :mod:`zipfile`
    (``np.savez``), Arrow and Parquet writers take it as they take a file."""
    raw = _SlicedFileIO(os.fspath(path), "w")
    try:
        return io.BufferedWriter(raw, buffer_size=WRITE_SLICE)
    except BaseException:
        raw.close()
        raise
