"""The rule file format (one YAML file per category), validated strictly.

Every model forbids unknown keys, so a typo in a rule file is an error at load time rather
than a rule that silently matches nothing. The format is documented in docs/rules.md.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from ..model import Severity

NODE_KINDS = ("literal", "regex", "any", "all", "near", "ref")

# Constructs hyperscan cannot compile (back-references, lookaround); Python `re` would
# accept them, and then the two matchers would disagree.
_UNPORTABLE_REGEX = re.compile(r"\\[1-9]|\(\?P=|\(\?<?[=!]|\\k<")
# Optional whitespace written between two Chinese characters of a regex: 维\s?吾.
_CJK_GAP = re.compile(r"[\u3400-\u9fff]\\s(?:[?*+]|\{\d*,?\d*\})?[\u3400-\u9fff]")


class Scope(StrEnum):
    SENTENCE = "sentence"
    ROW = "row"
    DOCUMENT = "document"


class Language(StrEnum):
    ZH_HANS = "zh-Hans"
    ZH_HANT = "zh-Hant"
    EN = "en"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LiteralNode(_Strict):
    literal: list[Annotated[str, Field(min_length=1)]] = Field(min_length=1)

    @field_validator("literal", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class RegexNode(_Strict):
    regex: str = Field(min_length=1)

    @field_validator("regex")
    @classmethod
    def _portable(cls, value: str) -> str:
        if _UNPORTABLE_REGEX.search(value):
            raise ValueError("back-references and lookaround are not supported by hyperscan")
        try:
            compiled = re.compile(value)
        except re.error as exc:
            raise ValueError(f"invalid regular expression: {exc}") from None
        if compiled.match(""):
            raise ValueError("the regular expression matches the empty string")
        if (gap := _CJK_GAP.search(value)) is not None:
            # Normalization already joins words broken by spaces or line breaks; a \s here
            # only slows the scan down (hyperscan can no longer treat the words as literals).
            raise ValueError(
                f"{gap.group()!r}: text is matched after normalization, which removes "
                "whitespace between Chinese characters; write the characters together"
            )
        return value


class AnyNode(_Strict):
    any: list[PatternNode] = Field(min_length=1)


class AllNode(_Strict):
    all: list[PatternNode] = Field(min_length=1)


class Near(_Strict):
    patterns: list[PatternNode] = Field(min_length=2)
    within: int | None = Field(None, ge=1, description="window size in normalized characters")
    scope: Scope | None = None

    @model_validator(mode="after")
    def _one_window(self) -> Near:
        if (self.within is None) == (self.scope is None):
            raise ValueError("near needs exactly one of `within` or `scope`")
        if self.scope is Scope.DOCUMENT:
            raise ValueError("near scope is sentence or row; use `all` for the whole document")
        return self


class NearNode(_Strict):
    near: Near


class RefNode(_Strict):
    ref: str = Field(min_length=1)


def _node_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        keys = list(value)
        return keys[0] if len(keys) == 1 and keys[0] in NODE_KINDS else None
    if isinstance(value, BaseModel):
        return next(iter(type(value).model_fields))
    return None


PatternNode = Annotated[
    Annotated[LiteralNode, Tag("literal")]
    | Annotated[RegexNode, Tag("regex")]
    | Annotated[AnyNode, Tag("any")]
    | Annotated[AllNode, Tag("all")]
    | Annotated[NearNode, Tag("near")]
    | Annotated[RefNode, Tag("ref")],
    Discriminator(
        _node_kind,
        custom_error_type="pattern_node",
        custom_error_message="a pattern node has exactly one key: " + ", ".join(NODE_KINDS),
    ),
]


class Exclude(_Strict):
    patterns: list[PatternNode] = Field(min_length=1)
    within: int = Field(0, ge=0, description="characters on each side of a hit")
    scope: Scope | None = None

    @model_validator(mode="after")
    def _one_window(self) -> Exclude:
        if self.scope is not None and self.within:
            raise ValueError("exclude takes `within` or `scope`, not both")
        return self


class Reference(_Strict):
    title: str = Field(min_length=1)
    publisher: str = Field(min_length=1)
    date: str = Field(pattern=r"^\d{4}(-\d{2}(-(\d{2}|xx))?)?$", description="YYYY[-MM[-DD]]")
    url: str = Field(pattern=r"^https?://\S+$")

    @field_validator("date", mode="before")
    @classmethod
    def _yaml_date(cls, value: Any) -> Any:
        # YAML reads an unquoted 2022-03-01 as a date and 2022 as an int.
        return value.isoformat() if isinstance(value, dt.date) else str(value)


class Examples(_Strict):
    match: list[str] = Field(min_length=1, description="each must produce a flag of the rule")
    no_match: list[str] = Field(default_factory=list)


class Rule(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
    title: str = Field(min_length=1)
    severity: Severity
    signal: bool = False
    languages: list[Language] = Field(min_length=1)
    description: str = Field(min_length=1)
    rationale: str = Field(min_length=1)
    references: list[Reference] = Field(default_factory=list)
    match: PatternNode
    exclude: Exclude | None = None
    examples: Examples

    @model_validator(mode="after")
    def _sourced(self) -> Rule:
        if not self.signal and not self.references:
            raise ValueError("a non-signal rule needs at least one public reference")
        return self


class RuleFile(_Strict):
    category: str = Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
    title: str = Field(min_length=1)
    description: str = Field(min_length=1)
    patterns: dict[str, PatternNode] = Field(default_factory=dict)
    rules: list[Rule] = Field(min_length=1)

    @model_validator(mode="after")
    def _ids_in_category(self) -> RuleFile:
        for rule in self.rules:
            if not rule.id.startswith(self.category + "."):
                raise ValueError(f"rule id {rule.id!r} must start with {self.category + '.'!r}")
        return self


for _model in (AnyNode, AllNode, Near, NearNode, Exclude, Rule, RuleFile):
    _model.model_rebuild()
