"""Text from Canvas made safe to print and to use in file names.

Canvas returns whatever its users typed: names may hold terminal escape sequences
("\\x1b]0;title\\x07" retitles a terminal, "\\x1b[2J" clears it), bidi overrides that
make "exe.pdf" look like "fdp.exe", and, through JSON's "\\ud800", lone surrogates that
no file system or UTF-8 terminal accepts (UnicodeEncodeError).
"""

from __future__ import annotations

import re

BIDI_CONTROLS = frozenset(
    "\u200e\u200f\u061c"  # LRM, RLM, ALM
    "\u202a\u202b\u202c\u202d\u202e"  # LRE, RLE, PDF, LRO, RLO
    "\u2066\u2067\u2068\u2069"  # LRI, RLI, FSI, PDI
)
"""Invisible characters that reorder what follows them on screen."""

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f" + "".join(sorted(BIDI_CONTROLS)) + "]")


def replace_lone_surrogates(text: str) -> str:
    """Each lone surrogate (only JSON escapes can make one) becomes U+FFFD."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def printable(text: str) -> str:
    """`text` without C0/C1 control characters (tab and newline kept) and bidi controls,
    and with lone surrogates replaced: safe to write to a terminal."""
    return _UNPRINTABLE.sub("", replace_lone_surrogates(text))
