"""Test objectives shared by the core test modules."""
from __future__ import annotations

import numpy as np


class LeastSquaresBatches:
    """f(x) = 1/(2n) ||A x - b||^2 with mini-batches f_B(x) = 1/(2|B|) ||A_B x - b_B||^2."""

    def __init__(self, A, b):
        self.A, self.b = A, b
        self.n_samples, self.n_params = A.shape

    def value_and_grad(self, x):
        return self.batch_value_and_grad(x, np.arange(self.n_samples))

    def batch_value_and_grad(self, x, idx):
        r = self.A[idx] @ x - self.b[idx]
        return 0.5 * float(r @ r) / len(idx), self.A[idx].T @ r / len(idx)
