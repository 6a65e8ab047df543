"""Detection: the rule language, the multi-pattern engine and risk scoring.

Rules are YAML files (tenderwatch/rules/<category>.yaml, format in docs/rules.md). All their
literals and regexes compile into one hyperscan database (a pure-Python matcher where
hyperscan is missing); proximity, combination and exclusion logic runs only around hits.
"""

from __future__ import annotations

from .engine import scan, scan_many, scan_text, scan_texts
from .loader import RuleError, RuleSet, load_ruleset

__all__ = [
    "RuleError",
    "RuleSet",
    "load_ruleset",
    "scan",
    "scan_many",
    "scan_text",
    "scan_texts",
]
