"""Reading a submitted file, before any of its code runs.

Only a regular file is read (a symlink may point only to a regular file in the same folder
tree; FIFOs, devices and sockets are refused without being opened for reading), at most
``max_read_mb`` of it, and nothing in it (nesting, huge numbers, encodings, an old nbformat)
ends in a traceback: each problem is a one-line reason.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import nbformat

from utils.course.report import clean, path_text

MAX_READ_MB = 50.0
MAX_DEPTH = 64  # nesting of JSON lists and objects; a notebook needs about 8


def _depth_ok(text: str) -> bool:
    """Whether JSON brackets nest at most MAX_DEPTH deep (strings skipped), without parsing."""
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return False
        elif char in "]}":
            depth -= 1
    return True


def read_bytes(path: Path, max_read_mb: float = MAX_READ_MB, root: Path | None = None) -> bytes:
    """The file's bytes; raises ValueError with a one-line reason when it is not safe to read.

    ``root``: the folder being checked; a symlink must stay inside it.
    """
    name = path_text(path)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise ValueError(f"no such file: {name}") from None
    except OSError as exc:
        raise ValueError(f"cannot read {name}: {exc.strerror or exc}") from None
    if stat.S_ISLNK(info.st_mode):
        target = Path(os.path.realpath(path))
        inside = root is not None and target.is_relative_to(Path(os.path.realpath(root)))
        if not inside:
            raise ValueError(f"{name} is a symbolic link to {path_text(target)}: not read")
        info = os.stat(path)
    if stat.S_ISDIR(info.st_mode):
        raise ValueError(f"{name} is a folder, not a notebook")
    if not stat.S_ISREG(info.st_mode):
        kind = (
            "a FIFO (named pipe)"
            if stat.S_ISFIFO(info.st_mode)
            else "a device"
            if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode)
            else "a socket"
            if stat.S_ISSOCK(info.st_mode)
            else "not a regular file"
        )
        raise ValueError(f"{name} is {kind}, not a notebook file: not read")
    limit = int(max_read_mb * 1e6)
    if info.st_size > limit:
        raise ValueError(
            f"{name} is {info.st_size / 1e6:.0f} MB, over the {max_read_mb:g} MB a notebook may "
            "have: clear the outputs and save again"
        )
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0)
    if stat.S_ISLNK(os.lstat(path).st_mode):
        flags &= ~getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise ValueError(f"cannot read {name}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):  # swapped since lstat
            raise ValueError(f"{name} is not a regular file: not read")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"{name} is over the {max_read_mb:g} MB a notebook may have")
    return data


def read_notebook(
    path: Path, max_read_mb: float = MAX_READ_MB, root: Path | None = None
) -> tuple[nbformat.NotebookNode | None, str | None]:
    """The notebook (nbformat 4), or None and a one-line reason why ``path`` is not usable."""
    try:
        return _read(Path(path), max_read_mb, root), None
    except ValueError as exc:
        return None, clean(str(exc), 400)
    except Exception as exc:  # noqa: BLE001 - whatever is in the file, a one-line verdict
        return None, clean(f"{path_text(path)} could not be read: {type(exc).__name__}: {exc}")


def _read(path: Path, max_read_mb: float, root: Path | None) -> nbformat.NotebookNode:
    name = path_text(path.name)
    data = read_bytes(path, max_read_mb, root)
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise ValueError(f"{name} is UTF-16 text: save the notebook as UTF-8 (Jupyter does)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"{name} is not a notebook: not a text file (byte {exc.start} is not UTF-8)"
        ) from None
    if not text.strip():
        raise ValueError(f"{name} is empty (0 bytes of content): save the notebook again")
    if not _depth_ok(text):
        raise ValueError(f"{name} nests lists or objects over {MAX_DEPTH} deep: not a notebook")
    try:
        content = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"{name} is not valid notebook JSON (line {exc.lineno}, column {exc.colno}: "
            f"{exc.msg}); download it again with File > Download > Download .ipynb"
        ) from None
    except (ValueError, RecursionError) as exc:  # a number of 5000 digits, ...
        raise ValueError(f"{name} is not valid notebook JSON: {clean(exc, 120)}") from None
    try:
        json.dumps(content, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(
            f"{name} holds text that is not valid Unicode (a lone surrogate such as \\ud800, "
            "written as an escape in the file): remove it and save the notebook again"
        ) from None
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"{name} is not valid notebook JSON: {clean(exc, 120)}") from None
    if not isinstance(content, dict) or "nbformat" not in content:
        raise ValueError(f"{name} is JSON but not a Jupyter notebook (no 'cells' or 'nbformat')")
    if "cells" not in content and "worksheets" not in content:
        raise ValueError(f"{name} is JSON but not a Jupyter notebook (no 'cells' or 'nbformat')")
    major = content.get("nbformat")
    if not isinstance(major, int) or not 3 <= major <= 4:
        raise ValueError(f"{name} has nbformat {clean(major, 20)}: only 3 and 4 are read")
    try:
        nb = nbformat.reads(text, as_version=4)  # nbformat 3 is upgraded here
        nbformat.validate(nb)
    except Exception as exc:  # noqa: BLE001 - any schema problem is a one-line verdict
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(f"{name} is not a valid notebook: {clean(reason, 160)}") from None
    if not nb.cells or not any(str(c.get("source", "")).strip() for c in nb.cells):
        raise ValueError(f"{name} is an empty notebook: it has no cells with content")
    return nb
