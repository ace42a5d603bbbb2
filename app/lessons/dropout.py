"""The dropout page's theory and its section "least-squares" (pages/dropout.py): the Monte Carlo estimate of the
expected dropout loss converging to the closed form, and dropout SGD's averaged iterate reaching the minimizer of
the closed form (not least squares).

The page lists the sections in its SECTIONS literal, adds :data:`EXPERIMENTS` to its presets, shows :data:`THEORY`
and calls :func:`least_squares_section` (returns ``(run, solvers, extra)``). Parameter names are the keywords of
``numdl_core.theory.dropout`` (``p``, ``batch``, ``lr``, ``seed``), so the solvers take them by name.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app.figures.common import convergence_figure
from app.figures.theory_dropout import monte_carlo_figure, weights_figure
from app.lesson import Experiment, Lesson, Param, Solver
from app.panels import live_table, self_check, show
from app.params import SEED
from numdl_core.theory import dropout as D

__all__ = ["THEORY", "EXPERIMENTS", "KEEP", "LS", "LS_TUNE", "SOLVER_NAMES", "least_squares_section"]

THEORY = (
    "**Dropout** multiplies units by random masks m ~ Bernoulli(p) during training (p the *keep* probability) and "
    "scales the kept ones by 1/p, so that the network is unchanged on average. For **least squares** with dropout "
    "of the features the average over masks has a closed form: the loss plus a ridge penalty weighted by the "
    "squared column norms (Srivastava et al. 2014; Wager, Wang and Liang 2013), so dropout SGD minimizes a "
    "*regularized* problem, and its averaged iterate goes to that minimizer w_p, not to least squares. For a "
    "**matrix factorization** Y ≈ UVᵀ, dropping columns of U and V adds λΣ‖u_i‖²‖v_i‖², whose minimum "
    "over factorizations of M is ‖M‖²_*/r (a squared nuclear norm): the optimum is low-rank and its factors "
    "are *equalized*, all ‖u_i‖‖v_i‖ equal (Cavazza et al. 2018; Mianjy, Arora and Vidal 2018). Notation: "
    "**rows are examples** (the course writes the samples as columns).\n\n"
    "Break it: p = 1 is no regularization (w_p = least squares, no variance); a small p regularizes strongly (w_p "
    "far from the truth, a wide Monte Carlo band, noisy SGD); with plenty of data nothing needs regularizing.",
    [r"\mathbb E_m \big\|y - X (m\odot w)/p\big\|^2 = \|y - Xw\|^2 + \frac{1-p}{p}\sum_j w_j^2\,\|X_{:,j}\|^2",
     r"w_p = \Big(X^\top X + \tfrac{1-p}{p}\operatorname{diag}(X^\top X)\Big)^{-1} X^\top y",
     r"\mathbb E_m \big\|Y - U\operatorname{diag}(m/p)V^\top\big\|_F^2 = \|Y - UV^\top\|_F^2 + \lambda\sum_{i=1}^r "
     r"\|u_i\|^2\|v_i\|^2 \;\ge\; \|Y - M\|_F^2 + \tfrac{\lambda}{r}\|M\|_*^2,\quad \lambda = \tfrac{1-p}{p}"],
    "Srivastava, Hinton, Krizhevsky, Sutskever and Salakhutdinov (2014), Dropout, JMLR 15; Wager, Wang and Liang "
    "(2013), Dropout training as adaptive regularization, NeurIPS; Cavazza, Morerio, Haeffele, Lane, Murino and "
    "Vidal (2018), Dropout as a low-rank regularizer for matrix factorization, AISTATS; Mianjy, Arora and Vidal "
    "(2018), On the implicit bias of dropout, ICML; Polyak and Juditsky (1992), SIAM J. Control Optim. 30.")

KEEP = Param("p", "Keep probability p", "choice", 0.5, options=(0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1.0),
             help="Each unit is kept with probability p and scaled by 1/p (inverted dropout); p = 1: no dropout.")
AT = {"ls": "least squares w_LS", "true": "the true w", "dropout": "the dropout minimizer w_p"}
LS = [KEEP, Param("n", "Samples n", "int", 40, lo=5, hi=200, step=5),
      Param("d", "Features d", "int", 8, lo=2, hi=20),
      Param("noise", "Noise σ", "choice", 0.5, options=(0.0, 0.1, 0.5, 1.0, 2.0)),
      Param("at", "Monte Carlo at w =", "choice", "ls", options=tuple(AT), labels=AT),
      Param("batch", "Masks per iteration", "choice", 20, options=(1, 5, 20, 100)), SEED]
LS_TUNE = [Param("lr", "SGD learning rate η", "log", 0.01, options=(0.001, 0.003, 0.01, 0.02, 0.05, 0.1, 0.3, 1.0),
                 role="tunable", help="Dropout SGD on (1/n)‖y − X(m∘w)/p‖², batches of 5, a mask per sample.")]
SGD_OPTIONS = {"batch_size": 5, "burn_in": 20, "blowup": 1e8}  # a diverging run is flagged early (epoch 18 at p = 0.1)
SOLVER_NAMES = {"Monte Carlo": "dropout.monte_carlo", "dropout SGD": "dropout.sgd"}
cached = st.cache_data(max_entries=16, show_spinner=False)


@cached
def _problem(n: int, d: int, noise: float, seed: int, p: float):
    P = D.least_squares_problem(n, d, noise=noise, seed=seed)
    return P, D.dropout_ridge_solution(P.X, P.y, 1.0), D.dropout_ridge_solution(P.X, P.y, p)


def _rel(a, b) -> float:
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-300))


def least_squares_section(lesson: Lesson):
    st.subheader("Least squares: the expected dropout loss in closed form")
    p = lesson.controls(LS, columns=7)
    lesson.controls(LS_TUNE)
    P, wls, wp = _problem(p["n"], p["d"], p["noise"], p["seed"], p["p"])
    X, y = P.X, P.y
    w = {"ls": wls, "true": P.w_true, "dropout": wp}[p["at"]]
    closed = D.expected_dropout_loss(X, y, w, p["p"])

    def metrics(name, step):
        if name == "Monte Carlo":
            return {"n_masks": float(step.info["n_masks"]), "se": float(step.x[1])}
        return {"dist_p": _rel(step.x, wp), "dist_ls": _rel(step.x, wls) if p["p"] < 1 else np.nan}

    def draw(run) -> None:
        mc, sgd = run.series["Monte Carlo"], run.series["dropout SGD"]
        c1, c2 = st.columns(2)
        show(monte_carlo_figure(mc.history["n_masks"], mc.history["loss"], mc.history["se"], closed,
                                title=f"Monte Carlo at {AT[p['at']]}: running mean → closed form"),
             "do.fig.ls.mc", c1)
        h = sgd.history
        show(convergence_figure({"‖w̄ − w_p‖ / ‖w_p‖": (h["iteration"], h["dist_p"]),
                                 "‖w̄ − w_LS‖ / ‖w_p‖": (h["iteration"], h["dist_ls"])}, x_title="epoch",
                                y_title="relative distance", title="Dropout SGD: the averaged iterate w̄",
                                diverged={"‖w̄ − w_p‖ / ‖w_p‖": sgd.iteration} if sgd.status == "diverged"
                                else None),
             "do.fig.ls.sgd", c2)
        weights = {"least squares w_LS": wls, "dropout minimizer w_p": wp, "true w": P.w_true}
        if sgd.last is not None and np.all(np.isfinite(sgd.last.x)):
            weights["SGD average w̄"] = sgd.last.x
        show(weights_figure(weights, title="The weights: dropout shrinks most where the column is large",
                            height=300), "do.fig.ls.weights")
        mean, se = mc.last.x
        live_table(pd.DataFrame([
            {"series": "Monte Carlo", "iteration": mc.iteration, "value": f"mean {mean:.5g} ± {se:.2g} "
             f"({mc.last.info['n_masks']} masks; closed form {closed:.5g})", "status": mc.status},
            {"series": "dropout SGD", "iteration": sgd.iteration, "value": f"‖w̄ − w_p‖/‖w_p‖ = "
             f"{_rel(sgd.last.x, wp):.3g}, expected loss {sgd.last.loss:.5g}", "status": sgd.status}]))
        st.caption(f"Frame compute time {run.frame_ms:.0f} ms. Band: mean ± 3 s/√N, s the sample standard "
                   "deviation of the N losses. w̄: the average of the SGD iterates after 20 burn-in epochs.")

    solvers = {"Monte Carlo": Solver(D.monte_carlo, X, y, w),
               "dropout SGD": Solver(D.dropout_sgd, X, y, **SGD_OPTIONS)}
    run = lesson.live("run", solvers, draw, max_iter=3000, default_speed=5, max_points=300, metrics=metrics,
                      diverged_hint="dropout SGD's step is too large for this p: the masked gradient is noisy "
                                    "and large (it scales like 1/p). Lower η.")
    mc, sgd = run.series["Monte Carlo"], run.series["dropout SGD"]
    mean, se = mc.last.x
    penalty = closed - float(np.sum((y - X @ w) ** 2))
    st.caption(f"n = {p['n']} samples, d = {p['d']} features with column scales 0.5 to 2, λ = (1 − p)/p = "
               f"{(1 - p['p']) / p['p']:.3g}. The penalty at w is {penalty:.4g} of the closed form {closed:.4g}. "
               f"‖w_p − w_true‖/‖w_true‖ = {_rel(wp, P.w_true):.3g} against {_rel(wls, P.w_true):.3g} for "
               "least squares: the bias of dropout's regularization.")
    with np.errstate(all="ignore"):
        numbers = {"closed-form expected loss": closed, "Monte Carlo mean": mean, "standard error": se,
                   "masks drawn": mc.last.info["n_masks"], "penalty at w": penalty,
                   "|mean - closed form| / standard error": abs(mean - closed) / se if se > 0 else np.nan,
                   "SGD average: relative distance to w_p": _rel(sgd.last.x, wp),
                   "least squares: relative distance to w_p": _rel(wls, wp),
                   "w_p: relative distance to the true w": _rel(wp, P.w_true),
                   "least squares: relative distance to the true w": _rel(wls, P.w_true)}
    lesson.numbers({k: v for k, v in numbers.items() if np.isfinite(v)})
    self_check("Dropout SGD is SGD on the squared error with random masks. Where does its averaged iterate go?",
               ["To least squares w_LS: the masks average out.", "To w_p, the minimizer of the closed form.",
                "Nowhere: the masks' noise never settles."], 1,
               "The expected gradient is the gradient of the expected loss, which has the penalty "
               "((1 − p)/p)Σ w_j²‖X_j‖²; it is affine in w, so the average of the iterates converges to its zero, "
               "w_p. The masks average out in the *gradient of the loss*, not in the solution.", key="do.ls.self")
    return run, solvers, {"solvers": {n: SOLVER_NAMES[n] for n in solvers}}


EXPERIMENTS = [
    Experiment("The closed form, by Monte Carlo",
               "Press Play and watch the running mean of ‖y − X(m∘w)/p‖² over the masks. Does the dashed closed form "
               "stay inside the band?",
               "The closed form at w_LS (p = 0.5) is 151.8: the data fit ‖y − Xw_LS‖² = 8.47 plus a penalty of 143.3. "
               "The running mean is 154.1 ± 2.2 after 220 masks, 152.5 ± 0.51 after 4,020 and 151.7 ± 0.23 after "
               "20,020: inside the band. Dropout SGD's average is 1.8% from w_p after 300 epochs (1.5% after 1,000) "
               "while least squares is 131% away: SGD minimizes the closed form, not the data fit.",
               {"section": "least-squares"}, name="monte-carlo-converges"),
    Experiment("Keep everything: p = 1",
               "Set p = 1 and play.",
               "λ = 0: every mask keeps every feature, each loss is ‖y − Xw_LS‖² = 8.47 and the standard error is 0 "
               "(no band). w_p = w_LS, and dropout SGD is plain SGD: its average reaches least squares (3.9% away "
               "after 300 epochs, 1.1% after 1,000).",
               {"section": "least-squares", "p": 1.0}, name="keep-everything"),
    Experiment("A small keep probability",
               "Set p = 0.1 (η = 0.003) and play. How far is w_p from the truth?",
               "λ = 9: w_p is only 10% as long as w_LS and 92% away from the true w (least squares: 10%): the bias of "
               "a strong regularizer. At w_LS the expected loss is 1298 (the data fit only 8.5), and the losses of "
               "single masks scatter widely: standard error 127 after 220 masks, 12.4 after 20,020. The masked "
               "gradient scales like 1/p: at the default η = 0.01 SGD diverges at epoch 18; at η = 0.003 its average "
               "is 18% from w_p after 300 epochs, 7.5% after 1,000.",
               {"section": "least-squares", "p": 0.1, "lr": 0.003}, name="dropout-bias"),
]
