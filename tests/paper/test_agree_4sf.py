"""Agreement with a printed cell is to 4 significant digits: the 4th digit must match after
rounding, whatever the exponent; 0 agrees only with 0; no value agrees with nothing."""

from __future__ import annotations

import pytest

from accelsim.paper import agree_4sf


@pytest.mark.parametrize(
    ("ours", "paper", "agree"),
    [
        (1.2341e-6, 1.2344e-6, True),  # both 1.234e-06
        (1.2341e-6, 1.2349e-6, False),  # 1.234 against 1.235: 3 digits agree, the 4th not
        (2_568.4, 2_568.0, True),  # 2.568e+03 both
        (2_568.6, 2_568.0, False),  # 2.569e+03 against 2.568e+03
        (9.9996, 10.0, True),  # rounds up to 1.000e+01
        (1.234e-6, 1.234e-5, False),  # same digits, another power of ten
        (0.0, 0.0, True),
        (0.0, 1e-9, False),
        (None, 0.0, False),
    ],
)
def test_agreement_is_to_four_significant_digits(ours, paper, agree):
    assert agree_4sf(ours, paper) is agree
