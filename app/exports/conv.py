"""Export scripts of the convolutional networks page (pages/convolutional_networks.py), one per section.

Each redoes the section's computation with ``numdl_core`` from the page's ``params`` and prints, with ``report``,
every number the page records (``Lesson.numbers``).
"""
from __future__ import annotations

__all__ = ["SCRIPTS"]

SCRIPTS = {"conv1d": """
from numdl_core.conv import periodic_1d_study
# the course's 3-tap stencil: z_i = t3 y_{i-1} + t2 y_i + t1 y_{i+1}, periodic
study = periodic_1d_study([params["t1"], params["t2"], params["t3"]], params["n"], seed=params["seed"])
print("eigenvalues fft(K[:, 0]):", study.eigenvalues.round(4))
report(study.numbers)
""", "conv2d": """
import numpy as np
from numdl_core.conv import conv2d_study, parameter_counts, project_kernel, stencil_basis, stencil_preset
from numdl_core.data import load_digits

X, _ = load_digits()
image = X[params["index"]].reshape(8, 8)
size = params["size"]
if params["stencil"] == "custom":  # the typed entries: the centre size x size of a 5 x 5 grid k00 .. k44
    off = (5 - size) // 2
    kernel = np.array([[params.get(f"k{i}{j}", 1.0 if (i, j) == (2, 2) else 0.0) for j in range(off, off + size)]
                       for i in range(off, off + size)])
else:
    kernel = stencil_preset(params["stencil"], size)
study = conv2d_study(image, kernel)
Q = stencil_basis(params["basis"])
m = size // 2
theta, residual = project_kernel(kernel[m - 1:m + 2, m - 1:m + 2], Q)  # the centre 3 x 3 in the family
print("theta =", theta)
numbers = dict(study.numbers)
numbers.update({"dense unknowns, 28 × 28 image": parameter_counts((28, 28))["dense"],
                "dense unknowns, 8 × 8 digit": parameter_counts((8, 8))["dense"],
                "unknowns of the family K(θ)": Q.shape[1], "projection residual (relative)": residual})
report(numbers)
""", "stencils": """
from numdl_core.conv import kernel_fit_study, laplacian_study
from numdl_core.data import load_digits

X, _ = load_digits()
images = X[:params["n_images"]].reshape(-1, 8, 8)
fit = kernel_fit_study(images, params["alpha"], noise=params["noise"], kernel_size=params["kernel_size"],
                       seed=params["seed"])
report({**laplacian_study(params["n"]).numbers, **fit.numbers})
""", "init": """
from numdl_core.conv import init_study
study = init_study(params["depth"], params["width"], params["activation"], naive_std=params["naive_std"],
                   seed=params["seed"])
report(study.numbers)
"""}
