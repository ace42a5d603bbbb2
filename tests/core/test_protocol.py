"""The iteration protocol of numdl_core.iterate, checked on every generator function of numdl_core.

The generators are *discovered* (every public generator function defined in a numdl_core module, walked with
pkgutil), and each must have a small test problem in ``CASES``: a new iterative method cannot escape this file.
The only exceptions are listed by name, with the reason, in ``NOT_ITERATIVE``: generators that yield something
other than Steps (checked: their return annotation is not ``Iterator[Step]`` and they are not in the registry).
A discovered generator without a Case fails ``test_every_generator_has_a_test_problem`` only (the parametrized
tests run over the generators that have one; the registry test covers those, so that it follows once a Case is
added).
Parametrized over all of them: iteration 0 first with work 0, typed fields, Steps that own their arrays, work
that never decreases, ``tol`` and ``maxiter``, divergence flagged once with a reason, the registry, and
``gen.send``: the same values give the uninterrupted trajectory to the last bit (a restart would lose momentum
and Adam buffers), a new value changes it from the next iteration on, an unknown name raises ValueError.

Oracles: the uninterrupted run of the same generator (send), a restart from the same iterate (state kept),
``optim.CountingObjective`` and a counting LinearOperator (work, counted independently of the method), the
closed-form stopping threshold.
"""
from __future__ import annotations

import importlib
import inspect
import itertools
import pkgutil
from dataclasses import dataclass, field
from typing import Callable, Iterator

import numpy as np
import pytest
import scipy.sparse.linalg as spla

import numdl_core
from numdl_core import iterate, lstsq, optim, sparse
from numdl_core.iterate import Step, apply_sent, record, tunable
from numdl_core.single_layer import SingleLayer, generalized_gauss_newton, make_inverse_crime, varpro
from numdl_core.solvers import SOLVERS
from numdl_core.classify import SoftmaxRegression
from numdl_core.theory import adversarial, dropout, dynamics, implicit_bias, intro, landscapes
from numdl_core.theory import generative, information, ntk
from numdl_core.theory import neural_odes as nodes
from numdl_core.theory import sparse as tsparse
from tests.core.helpers import LeastSquaresBatches


def _discover() -> dict[str, Callable]:
    found = {}
    for info in pkgutil.walk_packages(numdl_core.__path__, "numdl_core."):
        mod = importlib.import_module(info.name)
        for name, obj in vars(mod).items():
            if (not name.startswith("_") and inspect.isgeneratorfunction(obj)
                    and getattr(obj, "__module__", None) == mod.__name__):
                found[f"{mod.__name__}.{name}"] = obj
    return found


NOT_ITERATIVE = {
    "numdl_core.resnet.reverse_states": "yields (layer index, state) pairs of a reversible network, newest first "
                                        "(the states recomputed for backpropagation), not Steps of a method",
}
"""Public generator functions that are no iterative methods (they yield no :class:`Step`), with the reason: the
protocol does not apply to them. Every other discovered generator needs a Case."""

API_NAMES = {
    "numdl_core.theory.sparse.ista": {"lam"},
    "numdl_core.theory.sparse.fista": {"lam"},
}
"""Positional arguments named by the binding contract ../shared/API.md (``ista(A, b, lam, ...)``), allowed although
the protocol calls a regularization weight ``alpha``."""

ALL_GENERATORS = _discover()
GENERATORS = {name: fn for name, fn in ALL_GENERATORS.items() if name not in NOT_ITERATIVE}


# ------------------------------------------------------------------------------------------------
# small test problems
# ------------------------------------------------------------------------------------------------
_Q = np.linalg.qr(np.random.default_rng(0).standard_normal((4, 4)))[0]
H = (_Q * np.array([1.0, 2.0, 5.0, 10.0])) @ _Q.T  # SPD, eigenvalues 1..10: L = 10, step < 0.2 converges
C = np.array([1.0, -2.0, 0.5, 3.0])
X0 = np.array([0.5, -0.5, 1.0, 0.0])


def quadratic() -> optim.FunctionObjective:
    """f(x) = x'Hx/2 - c'x."""
    return optim.FunctionObjective(lambda x: (0.5 * x @ H @ x - C @ x, H @ x - C), 4, lambda x, v: H @ v)


def quartic() -> optim.FunctionObjective:
    """f(x) = x'Hx/2 - c'x + sum(x^4)/4: strongly convex, not quadratic (Newton takes several steps)."""
    return optim.FunctionObjective(lambda x: (0.5 * x @ H @ x - C @ x + 0.25 * np.sum(x**4), H @ x - C + x**3), 4,
                                   lambda x, v: H @ v + 3 * x**2 * v)


def batches() -> LeastSquaresBatches:
    """f(x) = 1/(2n) ||A x - b||^2 on 24 random rows, b = A x_true (zero residual: SGD converges), mini-batches."""
    A = np.random.default_rng(1).standard_normal((24, 4))
    return LeastSquaresBatches(A, A @ np.array([1.0, -2.0, 0.5, 1.5]))


class ExpFit:
    """Residuals r(x) = x0 exp(x1 t) + x2 - y of a noisy exponential, with the Jacobian products."""

    n_params = 3

    def __init__(self):
        self.t = np.linspace(0, 1, 20)
        self.y = 2.0 * np.exp(-1.3 * self.t) + 0.5 + 0.01 * np.random.default_rng(0).standard_normal(20)

    def residual(self, x):
        return x[0] * np.exp(x[1] * self.t) + x[2] - self.y

    def _J(self, x):
        e = np.exp(x[1] * self.t)
        return np.column_stack([e, x[0] * self.t * e, np.ones_like(self.t)])

    def jac_vec(self, x, v):
        return self._J(x) @ v

    def jac_t_vec(self, x, w):
        return self._J(x).T @ w


class Poisoned:
    """``obj`` whose ``hess_vec``/``jac_vec`` return nan from call ``after`` on (non-finite data mid-run)."""

    def __init__(self, obj, after=3):
        self.obj, self.after, self.calls = obj, after, 0

    def __getattr__(self, name):
        attr = getattr(self.obj, name)
        if name not in ("hess_vec", "jac_vec"):
            return attr

        def poisoned(*args):
            self.calls += 1
            out = attr(*args)
            return out * np.nan if self.calls >= self.after else out
        return poisoned


class CountingOperator(spla.LinearOperator):
    """A matrix as a LinearOperator that counts its products (and turns them to inf from product ``inf_after``)."""

    def __init__(self, A, inf_after=None):
        super().__init__(np.float64, A.shape)
        self.A, self.products, self.inf_after = A, 0, inf_after

    def _out(self, y):
        self.products += 1
        return y * np.inf if self.inf_after is not None and self.products >= self.inf_after else y

    def _matvec(self, x):
        return self._out(self.A @ x)

    def _rmatvec(self, y):
        return self._out(self.A.T @ y)


_rng = np.random.default_rng(2)
A_LS = _rng.standard_normal((12, 6)) @ np.diag([1.0, 0.8, 0.5, 0.3, 0.2, 0.1])
B_LS = _rng.standard_normal(12)
SD_STEP = 0.9 / (2 * np.linalg.norm(A_LS, 2) ** 2)  # below 1/lambda_max(A'A): converges
A_CG = _rng.standard_normal((40, 20)) @ np.diag(np.logspace(0, -2, 20))  # CGLS needs more than 9 iterations
B_CG = _rng.standard_normal(40)

_Xvp, _yvp = make_inverse_crime(60, width=3, n_classes=2, seed=0)[:2]


def varpro_model(X=None) -> SingleLayer:
    return SingleLayer(_Xvp.copy() if X is None else X, _yvp, 3, loss="squared")


def ggn_model(X=None) -> SingleLayer:  # cross-entropy, regularized: a minimizer exists
    return SingleLayer(_Xvp.copy() if X is None else X, _yvp, 3, loss="softmax", alpha=1e-2)


def _ggn_diverging():
    M = ggn_model()
    return _poison_after_first(generalized_gauss_newton(M, M.init_theta(1)), lambda: M.X.__setitem__((0, 0), np.inf))


def _poison_after_first(gen: Iterator[Step], poison: Callable[[], None]) -> Iterator[Step]:
    yield next(gen)
    poison()
    yield from gen


def _varpro_diverging():
    M = varpro_model()
    return _poison_after_first(varpro(M, M.init_theta(1)), lambda: M.X.__setitem__((0, 0), np.inf))


DLS = dropout.least_squares_problem(n=12, d=3, seed=0)
DY = dropout.low_rank_matrix(6, 5, 2, noise=0.1, seed=0)
CP = implicit_bias.completion_problem(6, 2, 24, seed=0)
_Xlg = np.random.default_rng(5).standard_normal((30, 2))  # labels with noise: not separable, a finite minimizer
_ylg = np.where(_Xlg[:, 0] + 0.8 * np.random.default_rng(6).standard_normal(30) > 0, 1.0, -1.0)
DL_Y = np.random.default_rng(0).standard_normal((20, 4))
L_LS = np.linalg.norm(A_LS, 2) ** 2  # ISTA and FISTA converge for step <= 1/L


def _svt_diverging():
    M = CP.truth.copy()  # svt reads the data each iteration: non-finite entries mid-run
    return _poison_after_first(implicit_bias.svt(M, CP.mask), lambda: M.__setitem__(CP.mask, np.inf))


SM = SoftmaxRegression(np.eye(2), np.array([0, 1]), 2)  # a 2-pixel "image" and its softmax classifier
SM_THETA = np.array([1.0, 0.0, 0.0, 1.0, 0.0, 0.0])


def _attack_diverging():
    theta = SM_THETA.copy()  # the attack reads the weights each iteration: a non-finite weight mid-run
    return _poison_after_first(adversarial.targeted_attack(SM, theta, np.array([0.6, 0.4]), 1, eps=0.3, step=0.01),
                               lambda: theta.__setitem__(0, np.inf))


DYN = dynamics.control_problem(6, 2, 4, seed=0)  # 6 points, 4 layers: (Y0, C, K0, b0); h = 0.25 below


def _dy_diverging(method, **kw):
    C = DYN[1].copy()  # the targets are read each iteration: a non-finite target mid-run
    return _poison_after_first(method(DYN[0], C, DYN[2], DYN[3], 0.25, **kw), lambda: C.__setitem__((0, 0), np.inf))


IB_DATA = tuple(a[::128] for a in information.twelve_bit_task())  # 32 of the 4096 inputs
IB_NET = information.IBNet(*IB_DATA, widths=(12, 5, 3, 2))


def _ib_diverging():
    X = IB_DATA[0].astype(float)  # the data are read each epoch (tanh keeps any step bounded): a non-finite input
    net = information.IBNet(X, IB_DATA[1], widths=(12, 5, 3, 2))
    return _poison_after_first(information.ib_training(net, net.init(0), X, IB_DATA[1], batch_size=32),
                               lambda: X.__setitem__((0, 0), np.inf))


NTK_X = ntk.circle_inputs(4, bias=True)[1]


def _ntk_diverging():
    y = np.ones(4)  # the targets are read each iteration: a non-finite target mid-run
    return _poison_after_first(ntk.ntk_gd(NTK_X, y, m=8, step=0.5), lambda: y.__setitem__(0, np.inf))


GEN_X = generative.toy_data("ring", 32, seed=0)  # 32 points of the 8-Gaussian ring


def _gen_diverging(method, model):
    X = GEN_X.copy()  # the data are read each step: a non-finite point mid-run
    return _poison_after_first(method(X, model, batch_size=32), lambda: X.__setitem__((0, 0), np.inf))


def _dl_diverging():
    Y = DL_Y.copy()
    return _poison_after_first(tsparse.dictionary_learning(Y, 3, 0.05, inner=5),
                               lambda: Y.__setitem__((0, 0), np.inf))


def dropout_net() -> dropout.DropoutNet:
    X, y, _, _ = dropout.regression_data(10, seed=0)
    return dropout.DropoutNet(X, y, 5, 0.5, 1e-3)


def _mc_diverging():
    """A weight turned to inf after iteration 0 (non-finite data mid-run): the losses become nan."""
    w = DLS.w_true.copy()
    return _poison_after_first(dropout.monte_carlo(DLS.X, DLS.y, w, 0.5, batch=5), lambda: w.__setitem__(0, np.inf))


@dataclass
class Case:
    """A small problem for one generator: ``start(**kw)`` runs it with ``kwargs`` updated by ``kw``."""

    fn: Callable
    args: Callable[[], tuple]  # the problem (positional arguments), fresh for every run
    kwargs: dict  # keywords of the reference run (the tunables' current values are these or the defaults)
    changed: dict  # a different value for the send test ({} if the method has no tunables)
    diverging: Callable[[], Iterator[Step]]  # a run that must end diverged
    tol: float = 1e-6  # reachable by this run (kwargs updated by tol_kwargs)
    tol_kwargs: dict = field(default_factory=dict)
    stateful: bool = False  # a restart from the same iterate differs (momentum, moment estimates; needs a start)
    start_kw: str | None = "theta0"  # None: the method takes no start point (it draws it, or estimates)

    def start(self, **kw) -> Iterator[Step]:
        return self.fn(*self.args(), **{**self.kwargs, **kw})

    def current(self) -> dict:
        """The values of the tunables in the reference run."""
        sig = inspect.signature(self.fn).parameters
        return {name: self.kwargs.get(name, sig[name].default) for name in self.fn.tunables}


def _start_is_positional(case: Case, args: tuple) -> bool:
    """theta0 is the second positional argument (most methods) or a keyword after the problem (X, model, theta0)."""
    return list(inspect.signature(case.fn).parameters).index("theta0") < len(args)


def _start_from(case: Case, args: tuple, theta0: np.ndarray) -> Iterator[Step]:
    """The case's run started at ``theta0``."""
    if _start_is_positional(case, args):
        return case.fn(args[0], theta0, *args[2:], **case.kwargs)
    return case.fn(*args, **{**case.kwargs, "theta0": theta0})


CASES = {
    "numdl_core.optim.gradient_descent": Case(
        optim.gradient_descent, lambda: (quartic(), X0), {"step": 0.15}, {"step": 0.05},
        lambda: optim.gradient_descent(quadratic(), X0, step=0.25)),  # 0.25 > 2/L: |1 - 0.25 * 10| = 1.5
    "numdl_core.optim.newton_cg": Case(
        optim.newton_cg, lambda: (quartic(), 3 * X0), {}, {"cg_maxiter": 1},
        lambda: optim.newton_cg(Poisoned(quartic()), 3 * X0)),
    "numdl_core.optim.sgd": Case(
        optim.sgd, lambda: (batches(), np.zeros(4)), {"lr": 0.05, "momentum": 0.5, "batch_size": 8}, {"lr": 0.02},
        lambda: optim.sgd(batches(), np.zeros(4), lr=10.0, batch_size=8), stateful=True),
    "numdl_core.optim.adam": Case(
        optim.adam, lambda: (batches(), np.zeros(4)), {"lr": 0.05, "batch_size": 8}, {"lr": 0.01},
        lambda: optim.adam(batches(), np.zeros(4), lr=1e8, batch_size=8), tol=1e-3,
        tol_kwargs={"batch_size": None, "lr": 0.1}, stateful=True),
    "numdl_core.optim.adagrad": Case(
        optim.adagrad, lambda: (batches(), np.zeros(4)), {"lr": 0.5, "batch_size": 8}, {"lr": 0.1},
        lambda: optim.adagrad(batches(), np.zeros(4), lr=1e8, batch_size=8), tol=1e-3,
        tol_kwargs={"batch_size": None, "lr": 1.0}, stateful=True),
    "numdl_core.optim.gauss_newton": Case(
        optim.gauss_newton, lambda: (ExpFit(), np.array([1.0, 0.5, 0.0])), {"cg_maxiter": 2}, {"damping": 1.0},
        lambda: optim.gauss_newton(Poisoned(ExpFit()), np.array([1.0, 0.5, 0.0]))),
    "numdl_core.single_layer.varpro": Case(
        varpro, lambda: (varpro_model(), varpro_model().init_theta(1)), {"cg_maxiter": 3}, {"damping": 1.0},
        _varpro_diverging, tol=1e-4, tol_kwargs={"cg_maxiter": 20}),
    "numdl_core.single_layer.generalized_gauss_newton": Case(
        generalized_gauss_newton, lambda: (ggn_model(), ggn_model().init_theta(1)), {"cg_maxiter": 3},
        {"damping": 1.0}, _ggn_diverging, tol=1e-4, tol_kwargs={"cg_maxiter": 20}),
    "numdl_core.lstsq.steepest_descent": Case(
        lstsq.steepest_descent, lambda: (A_LS, B_LS), {"step": SD_STEP}, {"step": None},
        lambda: lstsq.steepest_descent(A_LS, B_LS, step=3 * SD_STEP), tol=1e-4, start_kw="x0"),
    "numdl_core.lstsq.cgls": Case(
        lstsq.cgls, lambda: (A_CG, B_CG), {}, {},
        lambda: lstsq.cgls(CountingOperator(A_CG, inf_after=5), B_CG), tol=1e-8, start_kw="x0"),
    "numdl_core.sparse.proximal_gradient": Case(  # ISTA, L = 10 + 3 x^2 near X0: 0.05 < 1/L
        sparse.proximal_gradient, lambda: (quartic(), X0), {"alpha": 0.3, "step": 0.05}, {"step": 0.02},
        lambda: sparse.proximal_gradient(quadratic(), X0, alpha=0.1, step=0.25)),  # |1 - 0.25 * 10| = 1.5
    "numdl_core.theory.intro.rmsprop": Case(
        intro.rmsprop, lambda: (batches(), np.zeros(4)), {"lr": 0.05, "batch_size": 8}, {"lr": 0.01},
        lambda: intro.rmsprop(batches(), np.zeros(4), lr=1e8, batch_size=8), tol=0.1,
        tol_kwargs={"batch_size": None, "lr": 0.01}, stateful=True),
    # the Monte Carlo estimate of the expected dropout loss: x = [mean, standard error], grad_norm = standard error
    "numdl_core.theory.dropout.monte_carlo": Case(
        dropout.monte_carlo, lambda: (DLS.X, DLS.y, DLS.w_true, 0.5), {"batch": 5}, {},
        _mc_diverging, tol=0.2, start_kw=None),
    "numdl_core.theory.dropout.dropout_sgd": Case(
        dropout.dropout_sgd, lambda: (DLS.X, DLS.y, 0.5), {"lr": 0.01, "batch_size": 4, "burn_in": 2},
        {"lr": 0.005}, lambda: dropout.dropout_sgd(DLS.X, DLS.y, 0.2, lr=1.0), tol=0.1, start_kw="x0"),
    "numdl_core.theory.dropout.factorization_descent": Case(  # a fresh mask per step; tol on the expected loss
        dropout.factorization_descent, lambda: (DY, 3, 0.5), {"mode": "dropout", "lr": 0.02}, {"lr": 0.01},
        lambda: dropout.factorization_descent(DY, 3, 0.5, lr=1.0), tol=1e-6, tol_kwargs={"mode": "expected"},
        start_kw=None),
    "numdl_core.theory.dropout.dropout_training": Case(  # Adam with a fresh mask per step
        dropout.dropout_training, lambda: (dropout_net(), dropout_net().init(0)), {"lr": 0.01}, {"lr": 0.003},
        lambda: dropout.dropout_training(dropout_net(), dropout_net().init(0), lr=1e8), tol=0.3, stateful=True),
    "numdl_core.theory.landscapes.noisy_gradient_descent": Case(  # the noise stream is state; no noise for tol
        landscapes.noisy_gradient_descent, lambda: (quartic(), X0), {"step": 0.05, "noise": 0.1}, {"noise": 0.5},
        lambda: landscapes.noisy_gradient_descent(quadratic(), X0, step=0.25), tol_kwargs={"noise": 0.0},
        stateful=True),
    "numdl_core.theory.landscapes.plain_gradient_descent": Case(
        landscapes.plain_gradient_descent, lambda: (quartic(), X0), {"step": 0.05}, {"step": 0.02},
        lambda: landscapes.plain_gradient_descent(quadratic(), X0, step=0.25)),
    "numdl_core.theory.sparse.ista": Case(
        tsparse.ista, lambda: (A_LS, B_LS, 0.05), {"step": 0.9 / L_LS}, {"step": 0.5 / L_LS},
        lambda: tsparse.ista(A_LS, B_LS, 0.05, step=3.0 / L_LS), tol=1e-6, start_kw="x0"),
    "numdl_core.theory.sparse.fista": Case(
        tsparse.fista, lambda: (A_LS, B_LS, 0.05), {"step": 0.9 / L_LS}, {"step": 0.5 / L_LS},
        lambda: tsparse.fista(A_LS, B_LS, 0.05, step=3.0 / L_LS), tol=1e-6, start_kw="x0", stateful=True),
    "numdl_core.theory.adversarial.targeted_attack": Case(  # x is the attacked image and the centre of the ball
        adversarial.targeted_attack, lambda: (SM, SM_THETA, np.array([0.6, 0.4]), 1), {"eps": 0.3, "step": 0.01},
        {"step": 0.02}, _attack_diverging, tol=0.5, tol_kwargs={"eps": 5.0, "box": (-10.0, 10.0)}, start_kw=None),
    "numdl_core.theory.dynamics.msa": Case(  # the start is the control (K0, b0), positional
        dynamics.msa, lambda: (*DYN, 0.25), {"rho": 1.0, "lr": 2.0}, {"rho": 0.5},
        lambda: _dy_diverging(dynamics.msa, lr=2.0), tol=1e-4, start_kw=None),
    "numdl_core.theory.dynamics.gradient_descent": Case(
        dynamics.gradient_descent, lambda: (*DYN, 0.25), {"step": 3.0}, {"step": 1.0},
        lambda: _dy_diverging(dynamics.gradient_descent, step=3.0), tol=1e-4, start_kw=None),
    "numdl_core.theory.neural_odes.ode_training": Case(  # gradient descent on the Euler Neural ODE classifier
        nodes.ode_training, lambda: (nodes.two_moons_like(20, seed=0), nodes.init_params("ode")),
        {"lr": 1.0, "T": 1.0}, {"lr": 0.5},
        lambda: nodes.ode_training(nodes.two_moons_like(20, seed=0), nodes.init_params("ode"), lr=1e14), tol=0.05),
    "numdl_core.theory.information.ib_training": Case(  # Adam on a small 12-5-3-2 tanh network
        information.ib_training, lambda: (IB_NET, IB_NET.init(0), *IB_DATA), {"lr": 0.01, "batch_size": 32},
        {"lr": 0.005}, _ib_diverging,
        tol=0.05, tol_kwargs={"optimizer": "sgd", "lr": 0.5}, stateful=True),
    "numdl_core.theory.ntk.ntk_gd": Case(
        ntk.ntk_gd, lambda: (NTK_X, np.ones(4)), {"m": 8, "step": 0.5}, {"step": 0.2}, _ntk_diverging, tol=1e-4),
    "numdl_core.theory.generative.vae_training": Case(  # fresh noise every step: a loose tol is what it reaches
        generative.vae_training, lambda: (GEN_X, generative.VAE(hidden=8)), {"batch_size": 32}, {"lr": 5e-3},
        lambda: _gen_diverging(generative.vae_training, generative.VAE(hidden=8)), tol=0.5, stateful=True),
    "numdl_core.theory.generative.flow_training": Case(
        generative.flow_training, lambda: (GEN_X, generative.RealNVP(hidden=8)), {"batch_size": 32}, {"lr": 5e-3},
        lambda: _gen_diverging(generative.flow_training, generative.RealNVP(hidden=8)), tol=0.5, stateful=True),
    "numdl_core.theory.generative.gan_training": Case(
        generative.gan_training, lambda: (GEN_X, generative.GAN(hidden=8)), {"batch_size": 32}, {"d_steps": 2},
        lambda: _gen_diverging(generative.gan_training, generative.GAN(hidden=8)), tol=0.2, stateful=True),
    "numdl_core.theory.sparse.dictionary_learning": Case(  # the gradient update (MOD may stall off stationarity)
        tsparse.dictionary_learning, lambda: (DL_Y, 3, 0.05), {"method": "gradient", "inner": 5, "step": 1.0},
        {"step": 0.5}, _dl_diverging, tol=1e-3, tol_kwargs={"inner": 20}, start_kw=None),
    "numdl_core.theory.implicit_bias.logistic_gd": Case(
        implicit_bias.logistic_gd, lambda: (_Xlg, _ylg), {"step": 1.0}, {"step": 0.5},
        lambda: implicit_bias.logistic_gd(_Xlg, _ylg, step=1e15), tol=1e-6, start_kw="x0"),
    "numdl_core.theory.implicit_bias.completion_gd": Case(  # the start is drawn (init, seed)
        implicit_bias.completion_gd, lambda: (CP.truth, CP.mask), {"depth": 2, "step": 0.1, "init": 0.1},
        {"step": 0.05}, lambda: implicit_bias.completion_gd(CP.truth, CP.mask, depth=2, step=50.0, init=0.1),
        tol=1e-5, start_kw=None),
    "numdl_core.theory.implicit_bias.svt": Case(
        implicit_bias.svt, lambda: (CP.truth, CP.mask), {}, {}, _svt_diverging, tol=1e-6, start_kw=None),
}

NAMES = sorted(set(GENERATORS) & set(CASES))  # a generator without a Case fails the next test only


def _steps(gen, n):
    return list(itertools.islice(gen, n))


def _same(a: Step, b: Step) -> bool:
    return (a.iteration == b.iteration and np.array_equal(a.x, b.x) and a.loss == b.loss
            and a.grad_norm == b.grad_norm and a.info["work"] == b.info["work"])


# ------------------------------------------------------------------------------------------------
# discovery and registry
# ------------------------------------------------------------------------------------------------
def test_discovery_finds_the_known_generators():
    assert {"numdl_core.optim.gradient_descent", "numdl_core.optim.sgd", "numdl_core.lstsq.cgls",
            "numdl_core.single_layer.varpro"} <= set(GENERATORS)


def test_every_generator_has_a_test_problem():
    missing = sorted(set(GENERATORS) - set(CASES))
    assert not missing, f"add a small test problem to CASES for the new generator(s) {missing}"
    stale = sorted(set(CASES) - set(GENERATORS))
    assert not stale, f"CASES lists functions that are no (public) generators: {stale}"


def test_not_iterative_lists_generators_that_yield_no_steps():
    for name, reason in NOT_ITERATIVE.items():
        fn = ALL_GENERATORS[name]  # still a public generator function of numdl_core
        ret = inspect.signature(fn).return_annotation
        assert ret is not inspect.Signature.empty and "Step" not in str(ret), (name, ret)
        assert fn not in set(SOLVERS.values()) and isinstance(reason, str) and len(reason) > 20


def test_registry_covers_every_generator():
    registered = set(SOLVERS.values())
    missing = sorted(name for name, fn in GENERATORS.items() if fn not in registered and name in CASES)
    assert not missing, f"numdl_core.solvers.SOLVERS lacks {missing}"
    assert len(registered) == len(SOLVERS)  # one name per method
    assert all(inspect.isgeneratorfunction(fn) for fn in SOLVERS.values())
    with pytest.raises(TypeError):
        SOLVERS["mine"] = optim.sgd  # read-only


@pytest.mark.parametrize("name", NAMES)
def test_signature_follows_the_naming_rules(name):
    fn = GENERATORS[name]
    params = inspect.signature(fn).parameters
    assert params["tol"].default == 1e-10 and params["tol"].kind is inspect.Parameter.KEYWORD_ONLY
    assert params["maxiter"].kind is inspect.Parameter.KEYWORD_ONLY and params["maxiter"].default >= 10**6
    assert params["blowup"].default == iterate.BLOWUP
    start = CASES[name].start_kw
    if start is None:  # no start point: neither name may then mean something else
        assert not {"theta0", "x0"} & set(params)
    else:
        assert start in params and (start == "x0") == (params[start].kind is inspect.Parameter.KEYWORD_ONLY)
    bound = API_NAMES.get(name, set())
    assert not ({"epochs", "eta", "learning_rate", "lam", "max_iter", "x_0"} - bound) & set(params)
    assert all(params[b].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD for b in bound)  # never a keyword option
    assert isinstance(fn.tunables, tuple)
    for t in fn.tunables:
        assert params[t].kind is inspect.Parameter.KEYWORD_ONLY, t


# ------------------------------------------------------------------------------------------------
# records, work, stopping
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_iteration_zero_first_and_fields_typed(name):
    steps = _steps(CASES[name].start(), 6)
    assert [s.iteration for s in steps] == list(range(6))
    assert steps[0].info["work"] == 0.0
    for s in steps:
        assert isinstance(s, Step) and type(s.iteration) is int
        assert isinstance(s.x, np.ndarray) and s.x.dtype == np.float64 and s.x.ndim == 1
        assert type(s.loss) is float and type(s.grad_norm) is float and np.isfinite(s.loss)
        assert isinstance(s.info, dict) and type(s.info["work"]) is float
        assert not s.info.get("diverged") and not s.info.get("stalled")


@pytest.mark.parametrize("name", NAMES)
def test_steps_own_their_arrays(name):
    case = CASES[name]
    args = case.args()
    if case.start_kw is None:
        x0 = np.zeros(1)  # no start point to alias
        steps = _steps(case.fn(*args, **case.kwargs), 5)
    elif case.start_kw == "theta0":
        x0 = np.array(args[1] if _start_is_positional(case, args) else next(case.start()).x, dtype=float)
        steps = _steps(_start_from(case, args, x0), 5)
    else:
        x0 = np.zeros(args[0].shape[1])
        steps = _steps(case.fn(*args, x0=x0, **case.kwargs), 5)
    saved = [s.x.copy() for s in steps]
    for i, a in enumerate(steps):
        assert not np.shares_memory(a.x, x0)
        for b in steps[i + 1:]:
            assert a.x is not b.x and not np.shares_memory(a.x, b.x) and a.info is not b.info
    steps[1].x[:] = 1e9  # mutating one record (or the caller's start point) changes no other
    x0[:] = -1e9
    for k in (0, 2, 3, 4):
        np.testing.assert_array_equal(steps[k].x, saved[k])


@pytest.mark.parametrize("name", NAMES)
def test_work_never_decreases(name):
    work = np.array([s.info["work"] for s in _steps(CASES[name].start(), 12)])
    assert work[0] == 0.0 and np.all(np.diff(work) >= 0) and work[-1] > 0


@pytest.mark.parametrize("name", NAMES)
def test_maxiter(name):
    case = CASES[name]
    assert [s.iteration for s in case.start(maxiter=3)] == [0, 1, 2, 3]
    assert [s.iteration for s in case.start(maxiter=0)] == [0]


@pytest.mark.parametrize("name", NAMES)
def test_tol(name):
    case = CASES[name]
    steps = list(case.start(tol=case.tol, maxiter=20000, **case.tol_kwargs))
    threshold = case.tol * max(1.0, steps[0].grad_norm)
    assert len(steps) > 2 and not steps[-1].info.get("diverged") and not steps[-1].info.get("stalled")
    assert steps[-1].grad_norm <= threshold, (len(steps), steps[-1].grad_norm, threshold)
    assert all(s.grad_norm > threshold for s in steps[:-1])  # it stops at the first Step that meets tol


@pytest.mark.parametrize("name", NAMES)
def test_divergence_is_flagged_once_with_a_reason(name):
    with np.errstate(all="ignore"):  # overflow and nan warnings on the way are expected
        steps = _steps(CASES[name].diverging(), 10000)
    flagged = [s for s in steps if s.info.get("diverged")]
    assert len(flagged) == 1 and flagged[0] is steps[-1], [s.info for s in steps[-3:]]
    reason = steps[-1].info["reason"]
    assert isinstance(reason, str) and 10 < len(reason) < 100
    assert len(steps) < 10000  # the generator returned after the diverged Step
    assert all(np.isfinite(s.loss) and np.all(np.isfinite(s.x)) for s in steps[:-1])
    assert steps[-1].info["work"] >= steps[-2].info["work"]


def test_divergence_reasons():
    big = list(optim.gradient_descent(quadratic(), X0, step=0.25))[-1]
    assert big.info["reason"] == "the loss grew above 1e+12 times max(1, |initial loss|)" and big.loss > 1e12
    assert list(CASES["numdl_core.optim.newton_cg"].diverging())[-1].info["reason"].startswith("a Hessian-vector")
    assert list(CASES["numdl_core.lstsq.cgls"].diverging())[-1].info["reason"] == (
        "the product A p is not finite (nan or inf)")
    nan_at_start = optim.FunctionObjective(lambda x: (np.nan, x), 1)
    steps = list(optim.gradient_descent(nan_at_start, [1.0], step=0.1))
    assert len(steps) == 1 and steps[0].info["reason"] == "the loss is not finite (nan or inf)"


# ------------------------------------------------------------------------------------------------
# send: tunables mid-run
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_send_of_the_same_values_keeps_the_trajectory(name):
    case = CASES[name]
    ref = _steps(case.start(), 9)
    gen = case.start()
    got = _steps(gen, 3)
    got.append(gen.send(case.current()))  # consumes iteration 3
    got.append(gen.send({}))
    got += _steps(gen, 4)
    assert [s.iteration for s in got] == list(range(9))
    assert all(_same(a, b) for a, b in zip(ref, got))
    if case.stateful:  # the state matters: a restart from iteration 3 does not reproduce iteration 4
        args = case.args()
        if case.start_kw == "x0":
            restarted = _steps(case.fn(*args, **{**case.kwargs, "x0": ref[3].x}), 2)
        else:
            restarted = _steps(_start_from(case, args, ref[3].x), 2)
        assert not np.allclose(restarted[1].x, ref[4].x, rtol=1e-6, atol=0)


@pytest.mark.parametrize("name", [n for n in NAMES if CASES[n].changed])
def test_send_of_a_new_value_changes_the_trajectory_from_then_on(name):
    case = CASES[name]
    ref = _steps(case.start(), 8)
    gen = case.start()
    got = _steps(gen, 3)
    s3 = gen.send(case.changed)
    got += [s3] + _steps(gen, 4)
    assert [s.iteration for s in got] == list(range(8))
    assert all(_same(a, b) for a, b in zip(ref[:3], got[:3]))
    assert not np.array_equal(s3.x, ref[3].x)  # the new value acts at once, on the iteration the send runs
    assert s3.info["work"] >= got[2].info["work"]  # and the counters go on
    for key, value in case.changed.items():
        if key in s3.info and key != "step":
            assert s3.info[key] == value


def test_send_keeps_momentum_and_the_random_stream():
    """SGD with momentum and shuffled batches: lr changed by send == a reference loop that changes lr in place."""
    obj = batches()
    gen = optim.sgd(obj, np.zeros(4), lr=0.05, momentum=0.5, batch_size=8, seed=3)
    steps = _steps(gen, 3) + [gen.send({"lr": 0.02})] + _steps(gen, 2)
    rng, x, v = np.random.default_rng(3), np.zeros(4), np.zeros(4)
    for epoch in range(1, 6):
        lr = 0.05 if epoch < 3 else 0.02
        order = rng.permutation(24)
        for start in range(0, 24, 8):
            idx = order[start:start + 8]
            g = obj.A[idx].T @ (obj.A[idx] @ x - obj.b[idx]) / 8
            v = 0.5 * v - lr * g
            x = x + v
        np.testing.assert_allclose(steps[epoch].x, x, rtol=1e-14, atol=1e-15)
        assert steps[epoch].info["lr"] == lr


@pytest.mark.parametrize("name", NAMES)
def test_send_of_an_unknown_name_or_a_bad_value_raises(name):
    case = CASES[name]
    tunables = case.fn.tunables
    for bad in ({"no_such_option": 1.0}, 0.5, ({tunables[0]: "bad"} if tunables else {"step": 0.1})):
        gen = case.start()
        _steps(gen, 2)
        with pytest.raises(ValueError) as err:
            gen.send(bad)
        msg = str(err.value)
        assert all(t in msg for t in tunables) and (tunables or "none" in msg)


# ------------------------------------------------------------------------------------------------
# work against independent counters
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda o: optim.gradient_descent(o, X0, step=0.15),
    lambda o: optim.gradient_descent(o, X0, step=1.0, line_search=True),
    lambda o: optim.newton_cg(o, 3 * X0),
], ids=["gd", "gd-armijo", "newton-cg"])
def test_work_equals_counting_objective(make):
    cobj = optim.CountingObjective(quartic())
    for s in itertools.islice(make(cobj), 15):
        # CountingObjective also counts the evaluation at theta0 (2 passes), which the protocol leaves out
        assert s.info["work"] == cobj.work - 2.0
    assert cobj.calls.get("hess_vec", 0) == s.info.get("hess_vecs", 0)


def test_gauss_newton_work_equals_counting_objective():
    cobj = optim.CountingObjective(ExpFit())
    for s in itertools.islice(optim.gauss_newton(cobj, np.array([1.0, 0.5, 0.0]), cg_maxiter=2), 10):
        assert s.info["work"] == cobj.work - 2.0  # residual and J^T r at theta0


@pytest.mark.parametrize("method", [lstsq.steepest_descent, lstsq.cgls])
@pytest.mark.parametrize("step", [None, SD_STEP])
def test_lstsq_work_is_the_number_of_products(method, step):
    op = CountingOperator(A_LS)
    kw = {"step": step} if method is lstsq.steepest_descent else {}
    for s in itertools.islice(method(op, B_LS, **kw), 10):
        assert s.info["work"] == op.products - 2  # A x0 and A^T r0 of iteration 0 are not counted
        assert s.info["work"] == 2 * s.iteration


def test_full_batch_sgd_work_equals_gradient_descent():
    a = _steps(optim.sgd(quartic(), X0, lr=0.15, batch_size=None), 6)
    b = _steps(optim.gradient_descent(quartic(), X0, step=0.15), 6)
    assert all(_same(sa, sb) for sa, sb in zip(a, b))


# ------------------------------------------------------------------------------------------------
# the helpers of numdl_core.iterate
# ------------------------------------------------------------------------------------------------
def test_tunable_marks_without_wrapping():
    def gen(step=1.0):
        yield step
    assert tunable("step")(gen) is gen and gen.tunables == ("step",) and inspect.isgeneratorfunction(gen)


def test_apply_sent():
    allowed = {"step": lambda v: iterate.check_positive("step", v), "momentum": lambda v: iterate.check_fraction(
        "momentum", v)}
    cur = {"step": 1.0, "momentum": 0.5}
    assert apply_sent(None, cur, allowed) is cur and apply_sent({}, cur, allowed) is cur
    new = apply_sent({"step": 2}, cur, allowed)
    assert new == {"step": 2.0, "momentum": 0.5} and cur["step"] == 1.0
    with pytest.raises(ValueError, match="cannot change 'lr' mid-run; tunables of this method: step, momentum"):
        apply_sent({"lr": 0.1}, cur, allowed)
    with pytest.raises(ValueError, match=r"bad value for 'momentum': momentum must lie in \[0, 1\)"):
        apply_sent({"momentum": 1.0}, cur, allowed)
    with pytest.raises(ValueError, match="send a dict"):
        apply_sent([("step", 1.0)], cur, allowed)
    with pytest.raises(ValueError, match="none"):
        apply_sent({"step": 1.0}, {}, {})


def test_record_and_checks():
    x = np.array([1.0, 2.0])
    s, stop = record(3, x, 1.5, 0.25, {"step": 0.1}, work=6, loss0=2.0)
    assert (s.iteration, s.loss, s.grad_norm, s.info, stop) == (3, 1.5, 0.25, {"step": 0.1, "work": 6.0}, False)
    assert s.x is not x and np.array_equal(s.x, x)
    for loss, gn, xx, words in ((np.inf, 1.0, x, "loss is not finite"), (1.0, np.nan, x, "gradient"),
                                (1.0, 1.0, np.array([np.nan, 0.0]), "iterate"), (3e12, 1.0, x, "grew above")):
        s, stop = record(1, xx, loss, gn, {}, work=1.0, loss0=2.0)
        assert stop and s.info["diverged"] is True and words in s.info["reason"]
    s, stop = record(1, x, 1.0, 1.0, {"stalled": True}, work=1.0, loss0=2.0)
    assert stop and "diverged" not in s.info
    assert iterate.converged(1e-10, 0.5, 1e-10) and not iterate.converged(2e-10, 0.5, 1e-10)
    assert iterate.converged(1e-9, 10.0, 1e-10) and not iterate.converged(1.1e-9, 10.0, 1e-10)
    assert iterate.check_stop(0, 5.0) == (0.0, 5)
    for bad in ((-1e-3, 5), (np.nan, 5), (1e-8, -1), (1e-8, 2.5), (1e-8, True)):
        with pytest.raises(ValueError):
            iterate.check_stop(*bad)
    assert iterate.check_flag("f", np.bool_(True)) is True and iterate.check_flag("f", 0) is False
    with pytest.raises(ValueError, match="True or False"):
        iterate.check_flag("line_search", "yes")


def test_names_are_importable_from_optim():
    assert optim.Step is Step and optim.BLOWUP == iterate.BLOWUP and optim.is_diverged is iterate.is_diverged
    assert numdl_core.Step is Step
    assert callable(optim.CountingObjective) and optim.WORK_PER_CALL["hess_vec"] == 4.0


def test_a_notebook_loop_over_the_registry():
    """The registry as a program uses it: fill keywords by name from one parameter dict."""
    params = {"step": SD_STEP, "alpha": 1e-3, "maxiter": 5, "lr": 0.1}
    ends = {}
    for name in ("lstsq.steepest_descent", "lstsq.cgls"):
        fn = SOLVERS[name]
        kw = {k: v for k, v in params.items() if k in inspect.signature(fn).parameters}
        ends[name] = list(fn(A_LS, B_LS, **kw))[-1]
    assert ends["lstsq.cgls"].iteration == ends["lstsq.steepest_descent"].iteration == 5
    assert ends["lstsq.cgls"].loss < ends["lstsq.steepest_descent"].loss
