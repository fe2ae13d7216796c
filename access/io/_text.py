"""Text and YAML files from users: decoded as UTF-8 (a BOM is fine), errors on one line.

Chinese files are often saved as GBK (GB2312 / GB18030) and Windows tools write UTF-16;
both are refused with a message that names the encoding and how to convert, instead of a
``UnicodeDecodeError`` at some byte offset. YAML errors (which PyYAML spreads over several
lines with a caret diagram) become one line with the line and column.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import yaml

from access.errors import InputError

__all__ = ["read_user_text", "load_user_yaml", "encoding_hint"]


def encoding_hint(data: bytes) -> str:
    """Why ``data`` is not UTF-8 and how to convert it, for an error message."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "it is UTF-16 text; save it as UTF-8"
    try:
        data.decode("gb18030")
    except UnicodeDecodeError:
        return "save it as UTF-8"
    return "it looks like GBK/GB18030 (Chinese Windows); save it as UTF-8, e.g. iconv -f GB18030 -t UTF-8"


def read_user_text(path: str | Path, what: str) -> str:
    """The text of a user's file as UTF-8 (BOM stripped); :class:`InputError` when it is
    missing, a folder, unreadable or in another encoding."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{what} {path} is a folder; give a file.")
    if not path.is_file():
        raise InputError(f"{what} {path} does not exist; check the path.")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {what} {path}: {exc.strerror}.") from None
    except MemoryError:
        raise InputError(f"{what} {path} is too large to read into memory.") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{what} {path.name} is not UTF-8 text (byte {exc.start}): {encoding_hint(data)}.") from None


def _yaml_problem(exc: yaml.YAMLError) -> str:
    problem = getattr(exc, "problem", None) or getattr(exc, "context", None) or str(exc)
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return " ".join(f"{problem}{where}".split())


def load_user_yaml(path: str | Path, what: str) -> object:
    """A user's YAML (or JSON) file parsed safely; :class:`InputError` on one line for a
    file that cannot be read, decoded or parsed (numbers too long to convert included)."""
    path = Path(path)
    text = read_user_text(path, what)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(f"{what} {path.name} is not valid YAML: {_yaml_problem(exc)}.") from None
    except ValueError as exc:
        # int() refuses numbers of more than 4,300 digits (CPython's limit against DoS)
        raise InputError(
            f"{what} {path.name} holds a number that cannot be read: {' '.join(str(exc).split())}"
        ) from None
    except RecursionError:
        raise InputError(f"{what} {path.name} nests too deeply to be a {what}.") from None
