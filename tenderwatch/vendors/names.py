"""Company-name normalisation for matching Chinese and Latin-script vendor names.

A name is reduced in steps, each kept so the matcher can say which step agreed:

``folded``  NFKC, traditional→simplified, lower case, punctuation and spaces removed
``core``    legal forms (股份有限公司, Co., Ltd.), branch suffixes (乌鲁木齐分公司), brackets and
            leading place names (浙江省杭州市, Hangzhou) removed — the company's own name
``stem``    trailing generic industry words (科技, 技术, Technology) removed as well — the brand
``pinyin``  the core/stem in toneless pinyin, to compare with Latin-script names

Place names are stripped only while what remains is still distinctive, so 中国电子科技 keeps
中国 (without it only generic words remain) but 厦门美亚柏科 loses 厦门.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

import yaml
from opencc import OpenCC
from pypinyin import Style, lazy_pinyin

_CJK = re.compile(r"[\u3400-\u9fff]")
_BRACKETS = re.compile(r"[(（\[【〔][^)）\]】〕]*[)）\]】〕]")
_NON_WORD = re.compile(r"[^\w]+")
# A product model code such as DS-2CD3T46WD or DH-IPC-HFW1230: letters, a hyphen, then letters,
# digits and hyphens with at least one digit (so "Hik-Vision" is a name, not a model).
_MODEL_CODE = re.compile(
    r"(?<![A-Za-z0-9])([A-Za-z]{1,5}-)(?=[A-Za-z0-9\-/]*\d)[A-Za-z0-9][A-Za-z0-9\-/]+"
)


def _word_lists() -> dict[str, list[str]]:
    raw = yaml.safe_load(
        resources.files(__package__).joinpath("data/names.yaml").read_text("utf-8")
    )
    lists = {key: [str(word) for word in words] for key, words in raw.items()}
    for key in (
        "zh_places",
        "zh_admin",
        "zh_legal_forms",
        "zh_branch",
        "zh_generic",
        "latin_places",
        "latin_legal_forms",
        "latin_generic",
    ):
        if not lists.get(key):  # not an assert: an empty list would silently disable a step
            raise ValueError(f"tenderwatch/vendors/data/names.yaml: {key} is missing or empty")
    return lists


def _longest_first(words: list[str]) -> list[str]:
    return sorted(words, key=len, reverse=True)


_WORDS = _word_lists()
_ZH_PLACE_RE = "|".join(map(re.escape, _longest_first(_WORDS["zh_places"])))
_ZH_ADMIN_RE = "|".join(map(re.escape, _longest_first(_WORDS["zh_admin"])))
_ZH_LEADING_PLACE = re.compile(rf"^(?:{_ZH_PLACE_RE})(?:{_ZH_ADMIN_RE})?")
_ZH_TRAILING_PLACE = re.compile(rf"(?:{_ZH_PLACE_RE})(?:{_ZH_ADMIN_RE})?$")
_ZH_LEGAL_FORMS = _longest_first(_WORDS["zh_legal_forms"])
_ZH_BRANCH = re.compile("(?:" + "|".join(map(re.escape, _WORDS["zh_branch"])) + ")$")
_ZH_GENERIC = frozenset(_WORDS["zh_generic"])
_ZH_GENERIC_TAIL = re.compile(
    "(?:" + "|".join(map(re.escape, _longest_first(_WORDS["zh_generic"]))) + ")$"
)
_LATIN_PLACES = frozenset(_WORDS["latin_places"])
_LATIN_LEGAL_FORMS = frozenset(_WORDS["latin_legal_forms"])
_LATIN_GENERIC = frozenset(_WORDS["latin_generic"])


class _CharTable(dict[int, str]):
    """A ``str.translate`` table filled on first use of each character.

    Company names need character-level conversion only (OpenCC's phrase table is for running
    text); a cached table makes folding 100k list names fast.
    """

    def __init__(self, convert: Callable[[str], str]) -> None:
        super().__init__()
        self._convert = convert

    def __missing__(self, code: int) -> str:
        char = chr(code)
        value = self._convert(char) if _CJK.match(char) else char
        self[code] = value
        return value


_OPENCC = OpenCC("t2s")
_T2S = _CharTable(lambda char: str(_OPENCC.convert(char)))
_PINYIN = _CharTable(
    lambda char: (lazy_pinyin(char, style=Style.NORMAL, errors="ignore") or [""])[0]
)


def fold(text: str) -> str:
    """NFKC, traditional→simplified, lower case; spaces collapsed."""
    text = unicodedata.normalize("NFKC", text)
    if not text.isascii():
        text = text.translate(_T2S)
    return " ".join(text.lower().split())


def is_cjk(text: str) -> bool:
    return _CJK.search(text) is not None


def compact(text: str) -> str:
    """Letters and digits only (``_`` dropped too): the exact-comparison key."""
    return _NON_WORD.sub("", text).replace("_", "")


def pinyin(text: str) -> str:
    """Toneless pinyin of the Han characters, other letters kept: 大华 → dahua."""
    return compact(text).translate(_PINYIN)


def model_codes(text: str) -> list[tuple[str, str]]:
    """Product model codes in a mention, as (prefix, code): ("DS-", "DS-2CD3T46WD")."""
    return [
        (m.group(1), m.group(0)) for m in _MODEL_CODE.finditer(unicodedata.normalize("NFKC", text))
    ]


def _strip_zh_suffixes(text: str) -> str:
    changed = True
    while changed and text:
        changed = False
        branch = _ZH_BRANCH.search(text)
        if branch:
            head = text[: branch.start()]
            cut = head.rfind("公司")
            # 某某有限公司乌鲁木齐分公司 → 某某有限公司; 某某乌鲁木齐分公司 → 某某
            text = head[: cut + 2] if cut > 0 else _ZH_TRAILING_PLACE.sub("", head) or head
            changed = True
        for form in _ZH_LEGAL_FORMS:
            if text.endswith(form) and len(text) > len(form):
                text = text[: -len(form)]
                changed = True
                break
    return text


def _zh_stem(text: str) -> str:
    while tail := _ZH_GENERIC_TAIL.search(text):
        rest = text[: tail.start()]
        if len(rest) < 2 or _ZH_LEADING_PLACE.fullmatch(rest):
            break
        text = rest
    return text


def _zh_distinctive(text: str) -> bool:
    rest = _zh_stem(text)
    return len(rest) >= 2 and rest not in _ZH_GENERIC


def _zh_core(text: str) -> str:
    text = compact(_strip_zh_suffixes(compact(text)))
    while True:
        place = _ZH_LEADING_PLACE.match(text)
        if not place or not place.group(0):
            break
        rest = text[place.end() :]
        if not _zh_distinctive(rest):
            break
        text = rest
    return text


def _latin_tokens(text: str) -> list[str]:
    return [t for t in _NON_WORD.sub(" ", text).replace("_", " ").split() if t]


def _latin_core(text: str) -> list[str]:
    tokens = _latin_tokens(text)
    while tokens and tokens[-1] in _LATIN_LEGAL_FORMS and len(tokens) > 1:
        tokens.pop()
    while len(tokens) > 1 and tokens[0] in _LATIN_PLACES:
        if all(t in _LATIN_GENERIC or t in _LATIN_PLACES for t in tokens[1:]):
            break
        tokens.pop(0)
    return tokens


def _latin_stem(tokens: list[str]) -> list[str]:
    kept = [t for t in tokens if t not in _LATIN_GENERIC]
    return kept or tokens


@dataclass(frozen=True, slots=True)
class NameKeys:
    """Every comparison key of one name."""

    original: str
    folded: str  # compact folded form: exact comparison
    core: str  # zh: compact; latin: space-separated tokens
    stem: str
    cjk: bool
    core_pinyin: str  # zh: pinyin of core; latin: compact core
    stem_pinyin: str

    @property
    def syllables(self) -> int:
        return len(self.stem) if self.cjk else len(self.stem.split())


def name_keys(name: str) -> NameKeys:
    """All keys of ``name``; brackets are dropped (they hold places or notes, not the name)."""
    folded = fold(name)
    unbracketed = _BRACKETS.sub(" ", folded).strip() or folded
    if is_cjk(unbracketed):
        core = _zh_core(unbracketed)
        stem = _zh_stem(core)
        return NameKeys(name, compact(folded), core, stem, True, pinyin(core), pinyin(stem))
    tokens = _latin_core(unbracketed)
    stem_tokens = _latin_stem(tokens)
    return NameKeys(
        name,
        compact(folded),
        " ".join(tokens),
        " ".join(stem_tokens),
        False,
        "".join(tokens),
        "".join(stem_tokens),
    )
