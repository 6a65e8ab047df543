"""Evidence offsets on long notices: the fast path flattens the original's whitespace only as
far as mapped spans reach (Normalized._flattened), growing it when a later span reaches
further; every span must map as the general path maps it."""

from __future__ import annotations

import random

from tenderwatch.normalize import _normalize_any, _tables, normalize

# Fast-path characters only (whitespace kinds, CJK, full-width punctuation, ASCII): the
# text must stay on the fast path for the lazy prefix to be used at all.
ALPHABET = [
    *"维吾尔族监控采购摄像机 \n\t\r\u3000\u00a0，：（）；AbZ1。x",
    "  ",
    "\n\n",
    "\t \u3000",
]


def test_spans_anywhere_in_any_order_map_as_the_general_path_does() -> None:
    rng = random.Random(7)
    for _ in range(20):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(600, 3000)))
        fast, general = normalize(text), _normalize_any(_tables(), text)
        assert fast.text == general.text
        assert fast._original is not None  # the fast path, which maps by counting
        n = len(fast.text)
        # Early spans first (a small prefix), then anywhere: the prefix grows in steps
        # and in jumps past its end.
        starts = sorted(rng.sample(range(n), 5)) + [rng.randrange(n) for _ in range(60)]
        for start in starts:
            end = min(n, start + rng.randint(1, 12))
            assert fast.to_original(start, end) == general.to_original(start, end), start
        # A span at the very end on a fresh text: one jump to the end.
        fresh = normalize(text)
        assert fresh.to_original(n - 1, n) == general.to_original(n - 1, n)
