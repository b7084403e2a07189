"""Tests for w2s_edu.experiment.metrics; expected values are computed by hand in the comments."""

import math
import warnings

import numpy as np
import pytest
import torch

from w2s_edu.experiment.metrics import (
    PGRUndefinedWarning,
    accuracy,
    agreement_by_supervisor,
    auroc,
    bootstrap_pgr_ci,
    paired_difference,
    pgr,
    summarize,
)

# ---------------------------------------------------------------- accuracy


def test_accuracy_1d_probs():
    # p > 0.5 -> preds [1, 0, 1, 0]; labels [1, 0, 0, 0] -> 3 of 4 right.
    assert accuracy([0.9, 0.4, 0.6, 0.2], [1, 0, 0, 0]) == pytest.approx(0.75)


def test_accuracy_2d_probs_and_tensors():
    # argmax -> preds [1, 0, 2]; labels [1, 1, 2] -> 2 of 3 right.
    probs = [[0.1, 0.7, 0.2], [0.5, 0.3, 0.2], [0.3, 0.3, 0.4]]
    assert accuracy(probs, [1, 1, 2]) == pytest.approx(2 / 3)
    # Same from torch tensors (logits give the same argmax).
    logits = torch.log(torch.tensor(probs))
    assert accuracy(logits, torch.tensor([1, 1, 2])) == pytest.approx(2 / 3)
    assert isinstance(accuracy(np.array(probs), np.array([1, 1, 2])), float)


def test_accuracy_shape_mismatch_raises():
    with pytest.raises(ValueError):
        accuracy([0.9, 0.1], [1, 0, 1])


# ---------------------------------------------------------------- auroc


def test_auroc_by_hand():
    # Positives score 0.35 and 0.8, negatives 0.1 and 0.4. Of the 4 (pos, neg)
    # pairs, the positive ranks higher in 3 (all but 0.35 vs 0.4) -> 3/4.
    scores = [0.1, 0.4, 0.35, 0.8]
    labels = [0, 0, 1, 1]
    assert auroc(scores, labels) == pytest.approx(0.75)
    probs_2d = [[1 - s, s] for s in scores]
    assert auroc(torch.tensor(probs_2d), torch.tensor(labels)) == pytest.approx(0.75)


def test_auroc_one_class_is_nan():
    assert math.isnan(auroc([0.2, 0.7, 0.9], [1, 1, 1]))


# ---------------------------------------------------------------- pgr


def test_pgr_normal():
    # (0.7 - 0.6) / (0.8 - 0.6) = 0.1 / 0.2 = 0.5
    assert pgr(0.6, 0.7, 0.8) == pytest.approx(0.5)


def test_pgr_below_weak_is_negative():
    # (0.5 - 0.6) / (0.8 - 0.6) = -0.5
    assert pgr(0.6, 0.5, 0.8) == pytest.approx(-0.5)


def test_pgr_above_ceiling_exceeds_one():
    # (0.9 - 0.6) / (0.8 - 0.6) = 1.5
    assert pgr(0.6, 0.9, 0.8) == pytest.approx(1.5)


@pytest.mark.parametrize("ceiling", [0.6, 0.55])
def test_pgr_undefined_when_ceiling_not_above_weak(ceiling):
    with pytest.warns(PGRUndefinedWarning, match="not above the weak supervisor") as record:
        value = pgr(0.6, 0.7, ceiling)
    assert math.isnan(value)
    message = str(record[0].message)
    assert "0.6" in message and str(ceiling) in message


def test_pgr_warning_is_user_warning():
    assert issubclass(PGRUndefinedWarning, UserWarning)


# ---------------------------------------------------------------- agreement


def test_agreement_by_supervisor_by_hand():
    labels = [0, 1, 1, 0, 1, 0]
    supervisor = [0, 1, 0, 0, 0, 1]  # right at 0, 1, 3; wrong at 2, 4, 5
    student = [0, 1, 0, 0, 1, 1]  # agrees at 0, 1, 2, 3, 5 (not 4)
    result = agreement_by_supervisor(student, supervisor, labels)
    assert result["overall"] == pytest.approx(5 / 6)
    assert result["supervisor_right"] == {"n": 3, "agreement": pytest.approx(1.0)}
    # Wrong group (2, 4, 5): agree, disagree, agree -> 2/3 of the mistakes copied.
    assert result["supervisor_wrong"] == {"n": 3, "agreement": pytest.approx(2 / 3)}


def test_agreement_empty_group_is_nan():
    # The supervisor is never wrong, so the "wrong" group is empty.
    result = agreement_by_supervisor(np.array([1, 0]), np.array([1, 1]), np.array([1, 1]))
    assert result["overall"] == pytest.approx(0.5)
    assert result["supervisor_right"] == {"n": 2, "agreement": pytest.approx(0.5)}
    assert result["supervisor_wrong"]["n"] == 0
    assert math.isnan(result["supervisor_wrong"]["agreement"])


# ---------------------------------------------------------------- bootstrap


def paired_correctness(n_test, n_seeds=3):
    """Weak right on the first 60% of examples, w2s on the first 70%, ceiling on the first 80%.

    Point PGR = (0.7 - 0.6) / (0.8 - 0.6) = 0.5.
    """
    idx = np.arange(n_test)
    weak = np.tile(idx < 0.6 * n_test, (n_seeds, 1)).astype(int)
    w2s = np.tile(idx < 0.7 * n_test, (n_seeds, 1)).astype(int)
    ceiling = np.tile(idx < 0.8 * n_test, (n_seeds, 1)).astype(int)
    return weak, w2s, ceiling


def test_bootstrap_ci_contains_point_and_excludes_zero():
    weak, w2s, ceiling = paired_correctness(1000)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no per-replicate PGR warnings
        low, high = bootstrap_pgr_ci(weak, w2s, ceiling, n_boot=500, seed=0)
    assert low < 0.5 < high
    assert low > 0


def test_bootstrap_ci_is_deterministic_for_a_seed():
    weak, w2s, ceiling = paired_correctness(200)
    first = bootstrap_pgr_ci(weak, w2s, ceiling, n_boot=300, seed=7)
    assert bootstrap_pgr_ci(weak, w2s, ceiling, n_boot=300, seed=7) == first


def test_bootstrap_ci_one_seed_1d_input():
    weak, w2s, ceiling = paired_correctness(500, n_seeds=1)
    low, high = bootstrap_pgr_ci(weak[0], w2s[0], ceiling[0], n_boot=300)
    assert low < 0.5 < high


def test_bootstrap_ci_narrower_with_more_examples():
    small = bootstrap_pgr_ci(*paired_correctness(200), n_boot=500, seed=0)
    large = bootstrap_pgr_ci(*paired_correctness(2000), n_boot=500, seed=0)
    assert large[1] - large[0] < small[1] - small[0]


def test_bootstrap_ci_nan_when_ceiling_equals_weak():
    weak, w2s, _ = paired_correctness(200)
    with pytest.warns(PGRUndefinedWarning):
        low, high = bootstrap_pgr_ci(weak, w2s, weak.copy(), n_boot=200)
    assert math.isnan(low) and math.isnan(high)


def test_bootstrap_ci_runs_at_full_size():
    # 3 seeds x 2000 examples x 2000 replicates (the pipeline's default) gives a finite interval.
    low, high = bootstrap_pgr_ci(*paired_correctness(2000), n_boot=2000)
    assert low < high


def test_bootstrap_rejects_non_binary_input():
    with pytest.raises(ValueError, match="0/1"):
        bootstrap_pgr_ci([0.5, 1], [1, 1], [1, 1])


# ---------------------------------------------------------------- summarize


def test_summarize():
    # mean 0.7; std (ddof=1) = sqrt((0.1^2 + 0.1^2) / 1) = sqrt(0.02)
    result = summarize([0.6, 0.8])
    assert result["mean"] == pytest.approx(0.7)
    assert result["std"] == pytest.approx(math.sqrt(0.02))
    assert result["n"] == 2


def test_summarize_single_value_has_zero_std():
    assert summarize(torch.tensor([0.55])) == {"mean": pytest.approx(0.55), "std": 0.0, "n": 1}


def _paired_world(n_seeds=5, n_test=600, lift=0.04, seed=0):
    """Weak right on 60%, ceiling on 80%; students a and b share most errors, b fixes ``lift`` more."""
    rng = np.random.default_rng(seed)
    u = rng.random((n_seeds, n_test))
    weak, ceiling = (u < 0.6).astype(int), (u < 0.8).astype(int)
    a = (u < 0.66).astype(int)
    b = (u < 0.66 + lift).astype(int)
    return weak, a, b, ceiling


def test_paired_difference_by_hand_and_excludes_zero():
    weak, a, b, ceiling = _paired_world()
    d = paired_difference(weak, a, b, ceiling)
    assert d["acc_diff"] == pytest.approx(b.mean() - a.mean())
    assert d["pgr_diff"] == pytest.approx((b.mean() - a.mean()) / (ceiling.mean() - weak.mean()))
    assert d["acc_ci"][0] > 0 and d["acc_ci"][0] < d["acc_diff"] < d["acc_ci"][1]
    assert d["pgr_ci"][0] < d["pgr_diff"] < d["pgr_ci"][1]
    assert d["wins"] == 5 and len(d["per_seed"]) == 5


def test_paired_difference_is_narrower_than_unpaired():
    weak, a, b, ceiling = _paired_world(lift=0.0)
    width = np.subtract(*paired_difference(weak, a, b, ceiling)["acc_ci"][::-1])
    rng = np.random.default_rng(1)  # the same two methods with independent errors: an unpaired comparison
    b_indep = (rng.random(b.shape) < b.mean()).astype(int)
    width_indep = np.subtract(*paired_difference(weak, a, b_indep, ceiling)["acc_ci"][::-1])
    assert width < width_indep / 2


def test_paired_difference_of_a_method_with_itself_is_zero():
    weak, a, _, ceiling = _paired_world()
    d = paired_difference(weak, a, a, ceiling)
    assert d["acc_diff"] == 0 and d["acc_ci"] == (0.0, 0.0) and d["wins"] == 0


def test_paired_difference_seed_and_validation():
    weak, a, b, ceiling = _paired_world(n_seeds=2, n_test=100)
    assert paired_difference(weak, a, b, ceiling, seed=3) == paired_difference(weak, a, b, ceiling, seed=3)
    weak6, a6, b6, ceiling6 = _paired_world(n_seeds=3)
    assert paired_difference(weak6, a6, b6, ceiling6, seed=3)["pgr_ci"] != paired_difference(weak6, a6, b6, ceiling6,
                                                                                              seed=4)["pgr_ci"]
    with pytest.raises(ValueError, match="equal shape"):
        paired_difference(weak, a, b[:, :50], ceiling)
    with pytest.raises(ValueError, match="0/1"):
        paired_difference(weak, a, b * 2, ceiling)
    d = paired_difference(weak, a, b, weak)  # no gap: PGR undefined, accuracy difference still defined
    assert math.isnan(d["pgr_diff"]) and math.isnan(d["pgr_ci"][0]) and not math.isnan(d["acc_diff"])
