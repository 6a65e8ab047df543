"""Decoding text bytes: HTTP charset, then BOM, then <meta>, then detection.

Chinese sites label GB18030 text as gb2312 or gbk and Big5-HKSCS as big5, so those
labels are widened to the superset codec before decoding.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_WIDER = {"gb2312": "gb18030", "gbk": "gb18030", "big5": "big5hkscs", "cp950": "big5hkscs"}
_DETECTABLE = ("gb18030", "big5", "utf_16", "cp1252", "latin_1")
_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


def canonical(label: str | None) -> str | None:
    """Python codec name for a charset label, widened to its superset; None if unknown."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        return None
    return _WIDER.get(name, name)


def meta_charset(data: bytes) -> str | None:
    match = _META.search(data[:4096])
    return match.group(1).decode("ascii") if match else None


def decode(data: bytes, hint: str | None = None, *, html: bool = False) -> tuple[str, str]:
    """(text, codec used). Never raises: undecodable bytes become U+FFFD."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data.decode(codec, errors="replace"), codec
    candidates: list[str | None] = [canonical(hint)]
    if html:
        candidates.append(canonical(meta_charset(data)))
    for label in candidates:
        if label:
            try:
                return data.decode(label), label
            except UnicodeDecodeError:
                continue  # the label lies; fall through to the next source
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Detection is restricted to the encodings Chinese and Western notices use: on short
    # texts an unrestricted guess picks Korean or Cyrillic code pages for GBK bytes.
    best = from_bytes(data[:200_000], cp_isolation=list(_DETECTABLE)).best()
    detected = canonical(best.encoding if best else None) or "gb18030"
    return data.decode(detected, errors="replace"), detected
