"""Vendors and sanctions matching: the shipped vendor dataset, FtM/OpenSanctions list import,
Chinese/Latin name matching with explained scores, reviewer judgements and the
``context.vendor.sanctioned`` signal. See docs/vendors.md.

Typical use::

    from tenderwatch.vendors import build_index, sanctioned_flag
    index = build_index(data_dir)            # shipped vendors + imported lists
    result = index.match("杭州海康威视数字技术股份有限公司乌鲁木齐分公司")
    flag = sanctioned_flag(result, index, page=3, start=1200)
"""

from .catalog import all_entities, build_index, judgement_log, save_import
from .dataset import InvalidVendorData, load_dataset, shipped_dataset
from .imports import ImportFailed, ImportResult, import_file, read_ftm, read_simple_csv
from .judgements import Judgement, JudgementLog, Verdict
from .matcher import Candidate, Decision, Feature, MatchResult, VendorIndex, compare
from .model import Entity, Listing, VendorDataset
from .names import name_keys
from .settings import VendorSettings
from .signal import RULE_ID, sanctioned_flag

__all__ = [
    "RULE_ID",
    "Candidate",
    "Decision",
    "Entity",
    "Feature",
    "ImportFailed",
    "ImportResult",
    "InvalidVendorData",
    "Judgement",
    "JudgementLog",
    "Listing",
    "MatchResult",
    "VendorDataset",
    "VendorIndex",
    "VendorSettings",
    "Verdict",
    "all_entities",
    "build_index",
    "compare",
    "import_file",
    "judgement_log",
    "load_dataset",
    "name_keys",
    "read_ftm",
    "read_simple_csv",
    "sanctioned_flag",
    "save_import",
    "shipped_dataset",
]
