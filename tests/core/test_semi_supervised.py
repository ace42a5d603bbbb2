"""numdl_core.semi_supervised against plain loops (label counts, accuracy) and scipy's cdist (nearest label)."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from numdl_core.data import make_dataset
from numdl_core.semi_supervised import nearest_labelled, pick_labelled, unlabelled_accuracy


@pytest.mark.parametrize("per_class", [1, 3, 20, 500])
def test_pick_labelled_counts_and_classes(per_class):
    X, y = make_dataset("rings", 300, noise=0.1, seed=0)
    idx = pick_labelled(y, per_class, seed=4)
    assert idx.dtype == np.int64 and np.unique(idx).size == idx.size
    for c in range(3):
        n_c = int(np.sum(y == c))
        assert int(np.sum(y[idx] == c)) == min(per_class, max(1, n_c // 2))  # at most half a class
    np.testing.assert_array_equal(idx, pick_labelled(y, per_class, seed=4))  # deterministic
    assert list(y[idx]) == sorted(y[idx])  # class 0 first


def test_pick_labelled_rejects_bad_input():
    with pytest.raises(ValueError):
        pick_labelled([0, 1, 1], 0)
    with pytest.raises(ValueError):
        pick_labelled([0.5, 1.0], 1)


def test_nearest_labelled_matches_cdist():
    X, y = make_dataset("moons", 120, noise=0.2, seed=1)
    idx = np.array([3, 17, 40, 77])
    expected = y[idx][np.argmin(cdist(X, X[idx]), axis=1)]
    np.testing.assert_array_equal(nearest_labelled(X, idx, y[idx]), expected)
    with pytest.raises(ValueError):
        nearest_labelled(X, idx, y[idx][:2])
    with pytest.raises(ValueError):
        nearest_labelled(X, [500], [0])


def test_unlabelled_accuracy_matches_a_loop():
    rng = np.random.default_rng(0)
    y, pred = rng.integers(0, 3, 50), rng.integers(0, 3, 50)
    idx = np.array([0, 5, 9])
    rest = [i for i in range(50) if i not in idx]
    assert unlabelled_accuracy(y, pred, idx) == pytest.approx(sum(y[i] == pred[i] for i in rest) / len(rest))
    assert np.isnan(unlabelled_accuracy([0, 1], [0, 1], [0, 1]))
    with pytest.raises(ValueError):
        unlabelled_accuracy([0, 1], [0], [])
