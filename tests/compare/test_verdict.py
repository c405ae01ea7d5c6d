"""The verdict rule: significant only when p < 0.05 and the 95% CI excludes 0."""

from __future__ import annotations

import math

import pytest

from assay.compare.verdict import BETTER, NO_DIFFERENCE, NO_VERDICT, WORSE, plain_verdict


@pytest.mark.parametrize("diff,lo,hi,p,higher,want", [
    (0.1, 0.02, 0.2, 0.01, True, BETTER),
    (-0.1, -0.2, -0.02, 0.01, True, WORSE),
    (0.1, -0.01, 0.2, 0.01, True, NO_DIFFERENCE),     # CI includes 0
    (0.1, 0.02, 0.2, 0.06, True, NO_DIFFERENCE),      # test does not reject
    (0.1, 0.02, 0.2, math.nan, True, NO_DIFFERENCE),  # no test (one pair)
    (-0.1, -0.2, -0.02, 0.01, False, BETTER),         # lower is better
    (0.1, 0.02, 0.2, 0.01, False, WORSE),
    (math.nan, math.nan, math.nan, math.nan, True, NO_VERDICT),
])
def test_rule(diff, lo, hi, p, higher, want):
    assert plain_verdict(diff, lo, hi, p, higher_is_better=higher) == want
