"""``app.style.fast_figure`` skips plotly's validation through the PRIVATE ``_validate=False`` switch.

It is kept only because these tests rebuild every figure it builds with validation and compare the JSON sent to
the browser: a plotly release that changes the switch, or a trace or layout property written wrong in
``app.figures``, fails here instead of drawing a broken chart.
"""
from __future__ import annotations

import ast
import importlib
import inspect
import json
import pathlib
import textwrap

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest

import app.figures.classify as classify
import app.figures.cnn as cnn
import app.figures.common as common
import app.figures.control as control
import app.figures.control_memory as control_memory
import app.figures.deep as deep
import app.figures.lstsq as lstsq
import app.figures.lstsq_tikhonov as lstsq_tikhonov
import app.figures.resnet_stability as resnet_stability
import app.figures.resnet_train as resnet_train
import app.figures.single_layer as single_layer
import app.figures.spectral as spectral
import app.figures.stochastic as stochastic
import app.figures.theory_dynamics as theory_dynamics
import app.figures.theory_implicit_bias as theory_implicit_bias
import app.figures.theory_adversarial as theory_adversarial
import app.figures.theory_intro as theory_intro
import app.figures.theory_dropout as theory_dropout
import app.figures.theory_landscapes as theory_landscapes
import app.figures.theory_information as theory_information
import app.figures.theory_ntk as theory_ntk
import app.figures.theory_generative as theory_generative
from app.style import TEMPLATE, base_layout, fast_figure

RNG = np.random.default_rng(0)
IT = np.arange(500)
LOSS = np.exp(-IT / 80.0) + 1e-3
GRID = np.linspace(-2.0, 2.0, 12)
LABELS = (np.add.outer(GRID, GRID) > 0).astype(int) + (np.subtract.outer(GRID, GRID) > 1).astype(int)
X = RNG.uniform(-2, 2, (40, 2))
Y = (X.sum(axis=1) > 0).astype(int)

# every figure function that builds with fast_figure, with small inputs covering its options
CASES = {
    "generative samples + heat": lambda: theory_generative.samples_figure(X, X[::2], GRID, GRID,
                                                                        np.outer(GRID, GRID), title="s"),
    "generative samples only": lambda: theory_generative.samples_figure(X, None),
    "generative latent": lambda: theory_generative.latent_figure(X, X[:, 0], title="l"),
    "ntk regression": lambda: theory_ntk.regression_figure(
        GRID, {"network": np.sin(GRID), "kernel regression": np.cos(GRID)}, GRID[::3], np.sin(GRID[::3]), title="r"),
    "dynamics curves": lambda: theory_dynamics.curves_figure(
        {"MSA": (IT, LOSS), "neg": (IT, -LOSS)}, title="c", y_title="loss"),
    "dynamics curves, linear": lambda: theory_dynamics.curves_figure({"x": (IT[:9], np.sin(IT[:9]))}, log_y=False,
                                                                     markers=True),
    "dynamics states": lambda: theory_dynamics.states_figure(X[:6], X[6:12], X[12:18], title="s"),
    "dynamics locus": lambda: theory_dynamics.locus_figure(
        {"Euler": np.exp(1j * GRID) - 1, "LM": np.exp(1j * GRID) - 0.5}, {"z": -1.5 + 0j}, title="l"),
    "implicit bias margin": lambda: theory_implicit_bias.margin_figure(
        X, 2 * Y - 1, {"SVM": np.array([1.0, 1.0]), "GD": np.array([1.0, 0.5]), "none": None, "zero": np.zeros(2)},
        title="m"),
    "implicit bias curves": lambda: theory_implicit_bias.curves_figure(
        {"angle": (IT[1:], 1 / np.log(IT[1:] + 1)), "neg": (IT, -LOSS)}, theory={"1/log t": (IT[2:], 1 / np.log(IT[2:]))},
        title="c", y_title="rad"),
    "implicit bias curves, linear": lambda: theory_implicit_bias.curves_figure(
        {"x": (IT[:20], np.sin(IT[:20]))}, log_x=False, log_y=False, markers=True),
    "implicit bias bars": lambda: theory_implicit_bias.bars_figure(
        {"depth 1": 12.8, "depth 2": 4.6, "SVT": float("nan")}, reference=3.0, reference_name="true rank", title="b"),
    "convergence, iteration, one panel": lambda: common.convergence_figure(
        {"SD": (IT, LOSS), "CG": (IT[:50], LOSS[:50] ** 2)}, theory={"bound": (IT, 0.9 ** IT)},
        events=[(100, "step 1 → 2")], diverged={"CG": 49}, log_x=True, title="t"),
    "convergence, work": lambda: common.convergence_figure(
        {"SGD": (IT[:40] * 2.0, LOSS[:40]), "GN": (IT * 3.0, LOSS)}, x="work", log_x=True,
        diverged={"SGD": True, "GN": False}),
    "convergence, two panels": lambda: common.convergence_figure(
        {"GD": (IT, LOSS - 1e-3), "NCG": (IT[:9], LOSS[:9])}, right={"GD": (IT, 2 * LOSS), "NCG": (IT[:9], LOSS[:9])},
        y_title="loss − f*", events=[(20, "step 1 → 5")], diverged={"GD": 499}, title="c"),
    "convergence, linear y": lambda: common.convergence_figure({"a": (IT, np.sin(IT / 9.0))}, log_y=False),
    "decision map, points and misclassified": lambda: common.decision_map_figure(
        GRID, GRID, LABELS, X, Y, n_classes=3, y_pred=1 - Y, title="m"),
    "decision map, webgl, uneven grid": lambda: common.decision_map_figure(
        GRID ** 3, GRID, LABELS, X, Y, webgl=True, marker_size=5),
    "decision map, image": lambda: common.decision_map_figure(GRID, GRID, LABELS, X, Y, y_pred=1 - Y, image=True),
    "confusion": lambda: classify.confusion_figure(Y, 1 - Y, 2),
    "weight mosaic": lambda: classify.weight_mosaic_figure({"GD": RNG.standard_normal((64, 3))}, class_names="abc"),
    "weight mosaic, no hover": lambda: classify.weight_mosaic_figure({"GD": RNG.standard_normal((64, 2))}, hover=False),
    "sigmoid": lambda: classify.sigmoid_figure(np.r_[X.sum(axis=1), np.inf], np.r_[Y, 1], title="t", max_points=20),
    "images": lambda: lstsq_tikhonov.images_figure({"a": RNG.random((8, 8)), "b": RNG.random((8, 8))}, lo=0.0, hi=1.0,
                                                   masks={"b": RNG.random((8, 8)) > 0.5}, title="t"),
    "spectra": lambda: stochastic.spectra_figure(["none", "standardized"], [np.logspace(-2, 1, 5), np.ones(5)],
                                                 [1e3, 1.0]),
    "L1 sweep": lambda: classify.l1_sweep_figure([1e-4, 1e-3, 1e-2], [0.2, 0.5, 0.9], [0.95, 0.93, 0.7], current=1e-3),
    "accuracy curves": lambda: single_layer.accuracy_curves_figure(IT, np.tanh(IT / 50), np.tanh(IT / 60)),
    "accuracy curves, training only": lambda: single_layer.accuracy_curves_figure(IT[:5], [0.1, 0.2, 0.3, 0.4, 0.5]),
    "accuracy curves, width, current": lambda: single_layer.accuracy_curves_figure(
        [10, 20, 50, 100], [0.5, 0.7, 0.9, 1.0], [0.5, np.nan, 0.8, 0.7], x_title="width", log_x=True, markers=True,
        current=50, title="w"),
    "depth curves": lambda: deep.depth_curves_figure({"he": np.exp(-IT[:20] / 5.0), "naive": 10.0 ** IT[:20]}, title="d"),
    "depth curves, no reference": lambda: deep.depth_curves_figure({"a": [1.0, 0.0, np.nan]}, reference=None),
    "layer gradients": lambda: deep.layer_gradients_figure({"SGD: start": np.ones(6), "SGD: epoch 3": np.arange(1, 7.0),
                                                            "Adam: start": np.ones(6), "Adam: epoch 3": [1, np.nan, 2, 3, 4, 5]},
                                                           title="g"),
    "line misfit": lambda: deep.line_misfit_figure(GRID, {"plain": GRID ** 2, "ResNet": np.abs(GRID)}, title="l"),
    "gradient histogram": lambda: deep.gradient_histogram_figure(RNG.standard_normal(100), name="plain", i=1, title="h"),
    "gradient histogram, zeros": lambda: deep.gradient_histogram_figure(np.zeros(5), name="z"),
    "cnn training": lambda: cnn.training_figure(IT, LOSS, np.tanh(IT / 50), np.tanh(IT / 60), title="t"),
    "cnn kernels": lambda: cnn.kernels_figure(RNG.standard_normal((4, 1, 3, 3))),
    "cnn kernels, not finite": lambda: cnn.kernels_figure(np.full((2, 1, 5, 5), np.nan), title="k"),
    "cnn feature maps": lambda: cnn.feature_maps_figure(RNG.random((8, 8)), RNG.random((4, 8, 8)),
                                                        RNG.random((8, 4, 4)), label="true 3"),
    "cnn feature maps, many channels": lambda: cnn.feature_maps_figure(np.zeros((8, 8)), np.zeros((2, 8, 8)),
                                                                       RNG.random((16, 4, 4)), title="f"),
    "cnn feature maps, nan and inf": lambda: cnn.feature_maps_figure(
        np.full((8, 8), np.nan), np.r_[RNG.random((1, 8, 8)), np.full((1, 8, 8), np.inf)], -RNG.random((3, 4, 4))),
    "cnn kernels, zero": lambda: cnn.kernels_figure(np.zeros((3, 1, 3, 3))),
    "resnet features": lambda: resnet_train.features_figure(
        [("x", X), ("Y_0", 2 * X), ("Y_N", np.r_[X[:-1], [[np.nan, 1.0]]])], Y, n_classes=2, boundary=0.3, title="f"),
    "resnet features, one panel": lambda: resnet_train.features_figure([("x", np.zeros((40, 2)))], Y),
    "resnet features, paths": lambda: resnet_train.features_figure(
        [("x", X), ("Y_N", X)], Y, paths=RNG.standard_normal((5, 4, 2)), path_classes=[0, 1, 1, 0], boundary=0.0),
    "resnet growth": lambda: resnet_train.growth_figure(1 + np.abs(GRID), start=np.ones(12), title="g"),
    "resnet growth, not finite": lambda: resnet_train.growth_figure([np.nan] * 20),
    "stability contours": lambda: resnet_stability.misfit_contours_figure(
        GRID, np.exp(LABELS + np.add.outer(GRID, GRID)), np.exp(np.add.outer(GRID, GRID)), theta_min=(0.2, -1.0),
        title="s"),
    "stability contours, zero and nan": lambda: resnet_stability.misfit_contours_figure(
        GRID, np.where(LABELS > 0, 1.0, 0.0), np.full((12, 12), np.nan), theta_min=(0.0, 0.0)),
    "stability gap": lambda: resnet_stability.gap_figure(GRID, 1e-3 * np.exp(LABELS), np.ones((12, 12)), title="g"),
    "control memory scaling": lambda: control_memory.scaling_figure(
        [8, 16, 32], {"stored": [1.0, 2.0, 4.0], "reversible": [1.0, 1.0, np.nan]}, y_title="KiB",
        slopes={"∝ N": 1.0, "∝ √N": 0.5}, title="m"),
    "control paths": lambda: control_memory.paths_figure(
        [("t = 0", X), ("t = T", np.r_[X[:-1], [[np.nan, 1.0]]])], Y, boundary=(np.array([1.0, 0.5]), 0.1), title="p"),
    "control paths, no boundary": lambda: control_memory.paths_figure([("t", np.zeros((40, 2)))], Y),
    "control taylor": lambda: control.taylor_comparison_figure(2.0 ** -np.arange(1, 9), {
        "DTO": (2.0 ** -np.arange(1, 9), 4.0 ** -np.arange(1, 9)), "OTD": (2.0 ** -np.arange(1, 9), np.ones(8))},
        title="t"),
    "control taylor, zeros": lambda: control.taylor_comparison_figure([0.5, 0.25], {"a": ([0.0, 0.0], [0.0, 0.0])}),
    "control tolerance": lambda: control.tolerance_figure([1e-1, 1e-2, 1e-3], [1e-2, 1e-4, 1e-6], [10, 20, 40],
                                                          dto_error=1e-5, current=1e-2, title="t"),
    "control phase": lambda: control.phase_figure(GRID, GRID, np.add.outer(GRID, GRID), np.subtract.outer(GRID, GRID),
                                                  X[:10], X[:5], {"DTO": X[5:12], "OTD": np.full((3, 2), np.nan)},
                                                  field_name="DTO", title="p"),
    "dropout monte carlo": lambda: theory_dropout.monte_carlo_figure(IT[1:] * 20.0, 5 + 1 / IT[1:], 3 / np.sqrt(IT[1:]),
                                                                     5.0, title="m"),
    "dropout monte carlo, one point": lambda: theory_dropout.monte_carlo_figure([20], [5.0], [0.0], 4.0),
    "dropout weights": lambda: theory_dropout.weights_figure({"LS": RNG.standard_normal(8), "w_p": np.ones(8)}, title="w"),
    "dropout singular values": lambda: theory_dropout.singular_values_figure(
        IT, {"σ1": LOSS + 1, "σ2": np.r_[LOSS[:-1], 0.0]}, [1.5, 0.0], title="s"),
    "dropout products": lambda: theory_dropout.products_figure({"a": np.ones(6), "b": [1, np.nan, 2, 0, 1, 1]}, title="p"),
    "dropout train test": lambda: theory_dropout.train_test_figure(
        {"plain": (IT, LOSS, 2 * LOSS), "dropout": (IT[:5], LOSS[:5], LOSS[:5])}, floor=0.09, title="t"),
    "dropout fit": lambda: theory_dropout.fit_figure(X[:, 0], Y, GRID, np.sin(GRID), {"plain": np.cos(GRID)}, title="f"),
    "t0 race": lambda: theory_intro.race_figure(
        GRID, GRID, theory_intro.contour_levels(np.add.outer(GRID, GRID) ** 2, 0.0),
        {"SGD": RNG.standard_normal((300, 2)), "Adam": np.r_[X[:5], [[np.nan, 1.0]]], "none": np.zeros((0, 2))},
        np.array([[1.0, 1.0]]), title="r"),
    "t0 autoencoder 2-D": lambda: theory_intro.autoencoder_figure(X, X[:10], X[:2], title="a"),
    "t0 autoencoder 3-D, no curve": lambda: theory_intro.autoencoder_figure(
        RNG.standard_normal((20, 3)), None, np.zeros((2, 3))),
    "adversarial accuracy": lambda: theory_adversarial.attack_accuracy_figure(
        [0.0, 0.1, 0.2], {"MLP": {"FGSM": [0.9, 0.5, 0.1], "PGD": [0.9, 0.4, 0.0], "random signs": [0.9, 0.9, np.nan]}},
        marker=0.1, title="a"),
    "adversarial accuracy, no marker": lambda: theory_adversarial.attack_accuracy_figure([0.0], {}, marker=np.nan),
    "adversarial digit": lambda: theory_adversarial.digit_attack_figure(
        RNG.random(64), 0.1 * np.sign(RNG.standard_normal(64)), RNG.random(64), 0.1, title="d"),
    "adversarial digit, eps 0 and nan": lambda: theory_adversarial.digit_attack_figure(
        np.zeros(64), np.zeros(64), np.full(64, np.nan), 0.0, labels=("a",)),
    "adversarial probabilities": lambda: theory_adversarial.class_probabilities_figure(
        {"clean": np.full(10, 0.1), "attacked": np.eye(10)[3]}, true=1, target=3, title="p"),
    "adversarial target curve": lambda: theory_adversarial.target_probability_figure(IT, np.tanh(IT / 50),
                                                                                     1 - np.tanh(IT / 50), title="t"),
    "adversarial target curve, empty": lambda: theory_adversarial.target_probability_figure([], [], []),
    "adversarial growth": lambda: theory_adversarial.perturbation_growth_figure(
        {"plain": 1.2 ** np.arange(9), "parabolic": [1.0, 0.9, np.nan, 0.8]}, title="g"),
    "landscapes movement": lambda: theory_landscapes.movement_figure(
        [32, 64, 128], {"relative": [0.4, 0.28, 0.2], "max": [1.0, np.nan, 0.5]}, slope=-0.5, title="m"),
    "landscapes movement, empty": lambda: theory_landscapes.movement_figure([], {}),
    "landscapes contours": lambda: theory_landscapes.landscape_figure(
        GRID, np.exp(np.add.outer(GRID, GRID)), points=[(0.0, 0.0, "maximum", 1.0), (1.0, 0.0, "global minimum", 0.2),
                                                       (0.5, 0.5, "spurious minimum", 0.4)],
        paths={"GD": X[:5], "noisy GD": np.r_[X[:3], [[np.nan, 1.0]]]}, title="c"),
    "landscapes contours, nan": lambda: theory_landscapes.landscape_figure(GRID, np.full((12, 12), np.nan)),
    "information plane": lambda: theory_information.plane_figure(IT[:300], RNG.random((300, 6)) * 12,
                                                                 RNG.random((300, 6)), title="p"),
    "information plane, nan and empty": lambda: theory_information.plane_figure([0.0], np.full((1, 6), np.nan),
                                                                              np.full((1, 6), np.nan)),
    "least squares level sets, x_true inside": lambda: lstsq.quadratic_contours_figure(
        np.array([[2.0, 0.5], [0.5, 1.0]]), np.array([1.0, 2.0]), np.array([0.01, 0.1, 1.0, np.nan, -1.0]),
        {"SD": np.cumsum(RNG.standard_normal((400, 2)) * 0.01, axis=0), "CG": X[:3], "empty": np.zeros((0, 2))},
        (np.array([-2.0, -1.0]), np.array([4.0, 5.0])), x_true=np.array([1.5, 2.5])),
    "least squares level sets, x_true outside": lambda: lstsq.quadratic_contours_figure(
        np.eye(2), np.zeros(2), np.array([1.0]), {"SD": X[:4]}, (-np.ones(2), np.ones(2)),
        x_true=np.array([5.0, -3.0])),
    "convergence with a level": lambda: common.convergence_figure(
        {"SD": (IT, LOSS)}, levels=[(0.01, "floor", dict(color="#009E73", dash="dash", width=2))], title="l"),
    "least squares true error": lambda: lstsq.true_error_figure({"SD": (IT, LOSS), "CG": (IT[:9], LOSS[:9])}, 0.02,
                                                                events=[(5, "restart")], diverged={"CG": 8}),
    "least squares true error, no floor": lambda: lstsq.true_error_figure({"SD": (IT, LOSS)}, 0.0),
    "least squares signals": lambda: lstsq.signals_figure(
        IT[:128] / 128, {"x_true": np.sin(IT[:128] / 20), "b": np.r_[np.cos(IT[:127]), np.nan],
                         "tiny": 1e-60 * LOSS[:128]}, title="s"),
    "least squares signals, empty": lambda: lstsq.signals_figure([], {}),
    "information bars": lambda: theory_information.bars_mi_figure({"T1": [1, 2], "T5": [0.5, np.nan]}, ["a", "b"],
                                                                  title="b"),
}
COVERED = {"convergence_figure", "decision_map_figure", "confusion_figure", "weight_mosaic_figure",
           "accuracy_curves_figure", "sigmoid_figure", "l1_sweep_figure", "images_figure",
           "spectra_figure", "depth_curves_figure", "layer_gradients_figure", "line_misfit_figure",
           "gradient_histogram_figure", "training_figure", "kernels_figure", "feature_maps_figure",
           "features_figure", "growth_figure", "scaling_figure", "paths_figure", "misfit_contours_figure",
           "gap_figure",
           "taylor_comparison_figure", "tolerance_figure", "phase_figure",
           "margin_figure", "curves_figure", "bars_figure", "race_figure", "autoencoder_figure",
           "monte_carlo_figure", "weights_figure", "singular_values_figure", "products_figure", "train_test_figure",
           "fit_figure", "movement_figure", "landscape_figure", "attack_accuracy_figure", "digit_attack_figure",
           "class_probabilities_figure", "target_probability_figure", "perturbation_growth_figure",
           "plane_figure", "bars_mi_figure",
           "states_figure", "locus_figure", "regression_figure",
           "samples_figure", "latent_figure", "quadratic_contours_figure", "signals_figure"}


def _sent(fig: go.Figure) -> dict:
    """The figure as Streamlit sends it to the browser (``st.plotly_chart``: ``plotly.io.to_json(fig, validate=False)``)."""
    return json.loads(pio.to_json(fig, validate=False))


@pytest.mark.parametrize("case", list(CASES))
def test_fast_figure_equals_the_validated_figure(case):
    fast = CASES[case]()
    validated = go.Figure(fast.to_dict())  # plotly validates every property here (raises on a wrong one)
    assert _sent(validated) == _sent(fast)
    assert _sent(fast)["layout"]["template"] == json.loads(pio.to_json(pio.templates[TEMPLATE], validate=False))


def test_every_figure_built_with_fast_figure_is_covered():
    import importlib
    import pkgutil

    import app.figures

    modules = [importlib.import_module(f"app.figures.{m.name}") for m in pkgutil.iter_modules(app.figures.__path__)]
    assert {common, classify, single_layer, lstsq, spectral} <= set(modules)
    users = {name for module in modules
             for name, f in inspect.getmembers(module, inspect.isfunction)
             if f.__module__ == module.__name__ and "fast_figure(" in inspect.getsource(f)}
    assert users == COVERED, f"add a case to CASES for {sorted(users - COVERED)}"


ROOT = pathlib.Path(__file__).resolve().parents[2]
# what builds or changes a figure with plotly's validation (~5 ms a figure)
VALIDATING = ("go.Figure(", "new_figure(", "make_subplots(", ".add_trace(", ".update_layout(", ".add_hline(",
              ".add_vline(", ".add_shape(", ".add_annotation(", ".update_xaxes(", ".update_yaxes(", ".update_traces(")
LIVE_VALIDATED: set[str] = set()  # redrawn in a live frame but still validated: none


def _imported(tree: ast.Module) -> dict:
    return {a.asname or a.name: (node.module, a.name) for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("app.") for a in node.names}


def _defs(tree: ast.Module, name: str) -> list:
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == name]


def _live_figure_functions() -> dict:
    """{(module, name): pages} of the ``app.figures`` functions that a live draw calls (the function passed as
    the third argument of ``lesson.live`` / ``live_run``), directly or through helpers of the app (read, not run)."""
    found, seen = {}, set()

    def visit(path: pathlib.Path, name: str, page: str) -> None:
        if (path, name) in seen:
            return
        seen.add((path, name))
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = _imported(tree)
        for d in _defs(tree, name):
            for call in ast.walk(d):
                if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)):
                    continue
                n = call.func.id
                module, original = imported.get(n, (None, n))
                if module and module.startswith("app.figures."):
                    found.setdefault((module, original), set()).add(page)
                elif module and (ROOT / (module.replace(".", "/") + ".py")).exists():
                    visit(ROOT / (module.replace(".", "/") + ".py"), original, page)
                elif module is None and _defs(tree, n):
                    visit(path, n, page)

    for path in sorted([*ROOT.glob("pages/*.py"), *ROOT.glob("app/lessons/*.py")]):
        for call in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(call, ast.Call) and getattr(call.func, "attr", getattr(call.func, "id", None)) in
                    ("live", "live_run") and len(call.args) >= 3 and isinstance(call.args[2], ast.Name)):
                visit(path, call.args[2].id, str(path.relative_to(ROOT)))
    return found


def _code(f) -> str:
    """The source of ``f`` without its docstring and comments."""
    node = ast.parse(textwrap.dedent(inspect.getsource(f))).body[0]
    if node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant):
        node.body = node.body[1:] or [ast.Pass()]
    return ast.unparse(node)


def _unvalidated(f, depth: int = 0) -> bool:
    """``f`` builds its figure with ``fast_figure``, or only through app.figures functions that do."""
    code = _code(f)
    if any(v in code for v in VALIDATING):
        return False
    if "fast_figure(" in code:
        return True
    return depth < 3 and any(inspect.isfunction(g := f.__globals__.get(n)) and g.__module__.startswith("app.figures.")
                             and _unvalidated(g, depth + 1) for n in f.__code__.co_names)


def test_every_figure_of_a_live_frame_is_built_unvalidated():
    live = {}
    for (module, name), pages in _live_figure_functions().items():
        f = getattr(importlib.import_module(module), name)
        if "Figure" in str(inspect.signature(f).return_annotation):
            live[f"{module}.{name}"] = (f, pages)
    # the walk reaches draws of pages/ and app/lessons/, through helpers in other files (single_layer.draw_run)
    assert {"app.figures.lstsq.quadratic_contours_figure", "app.figures.single_layer.live_map_figure",
            "app.figures.single_layer.loss_figures", "app.figures.cnn.feature_maps_figure",
            "app.figures.theory_generative.samples_figure", "app.figures.common.convergence_figure"} <= set(live)
    assert len(live) >= 40
    validated = {name for name, (f, _) in live.items() if not _unvalidated(f)}
    assert validated == LIVE_VALIDATED, {n: sorted(live[n][1]) for n in validated ^ LIVE_VALIDATED if n in live}


def test_uint8_levels_stay_uint8_fast_and_validated():
    fig = fast_figure([dict(type="heatmap", z=np.eye(3, dtype=np.uint8), x0=0.0, dx=0.5)], base_layout("u"))
    sent = _sent(fig)
    assert sent["data"][0]["z"]["dtype"] == "u1"  # uint8 levels stay uint8 on the wire
    assert _sent(go.Figure(fig.to_dict())) == sent


def test_sampled_colorscale_is_plotly_s_and_a_new_list_each_call():
    from plotly.colors import sample_colorscale

    from app.figures.lstsq_tikhonov import image_colorscale, sampled_colorscale

    stops = np.linspace(0, 1, 9)
    plotly_s = [[float(s), c] for s, c in zip(stops, sample_colorscale("RdBu_r", list(stops)))]
    assert sampled_colorscale("RdBu_r") == plotly_s
    assert sampled_colorscale("Viridis", 3, top=0.5) == [[0.0, "rgb(68, 1, 84)"], [0.25, "rgb(34, 144, 140)"],
                                                         [0.5, "rgb(253, 231, 37)"]]
    cs = image_colorscale()
    assert cs[8] == [254 / 255, "rgb(253, 231, 37)"] and cs[9:] == [[254.5 / 255, "#D9DDE3"], [1.0, "#D9DDE3"]]
    cs[0][1] = "red"  # the cached scale is not shared: a caller's change does not reach the next figure
    cs.append([1.0, "red"])
    assert image_colorscale()[0] == [0.0, "rgb(68, 1, 84)"] and len(image_colorscale()) == 11


def test_mosaic_enlarges_tiles_by_pixel_repetition():
    tile = np.array([[0.0, 1.0], [np.nan, 0.5]])
    z, corners = cnn.mosaic([np.eye(4), tile], 2, 0.0, 1.0, scale=[1, 2])
    assert corners == [(0, 0), (0, 5)]
    assert z.shape == (4, 9) and z.dtype == np.uint8
    assert z[:, 4].tolist() == [255] * 4  # the 1-pixel gap
    assert z[:, 5:].tolist() == [[0, 0, 254, 254], [0, 0, 254, 254], [255, 255, 127, 127], [255, 255, 127, 127]]
    assert np.array_equal(z[:, :4], 254 * np.eye(4))


def test_wrong_property_fails_validation():
    """The oracle of these tests is real: validation rejects what fast_figure lets through."""
    fig = fast_figure([dict(type="scatter", x=[1], y=[2], mode="lines", linee=dict(width=2))], base_layout())
    with pytest.raises(ValueError, match="linee"):
        go.Figure(fig.to_dict())
