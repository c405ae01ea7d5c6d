import pytest
from scipy import stats

from assay.stats.student_t import t_quantile, t_two_sided_prob


@pytest.mark.parametrize("df", [1, 2, 3, 4, 5, 7, 10, 29, 30, 31, 100, 999, 2000, 2001, 10**4, 10**6])
@pytest.mark.parametrize("p", [0.025, 0.5, 0.6, 0.9, 0.95, 0.975, 0.995, 0.9995])
def test_quantile_matches_scipy(df, p):
    assert t_quantile(p, df) == pytest.approx(stats.t.ppf(p, df), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("df", [1, 2, 5, 12, 51])
def test_two_sided_prob_matches_scipy(df):
    for t in (0.1, 1.0, 2.5, 10.0):
        assert t_two_sided_prob(t, df) == pytest.approx(1 - 2 * stats.t.sf(t, df), rel=1e-12)


def test_rejects_bad_arguments():
    with pytest.raises(ValueError):
        t_quantile(1.0, 3)
    with pytest.raises(ValueError):
        t_quantile(0.5, 0)
