"""numdl_core.resnet_studies: the course's numbers (EResNet_Forward.m), orders against solve_ivp, checks of every
integrator, the antisymmetric architecture against closed forms, reversibility of the Hamiltonian network."""
from __future__ import annotations

import numpy as np
import pytest

from numdl_core import resnet, resnet_studies as rs


def test_rotation_example_reproduces_the_course():
    ex = rs.rotation_example()
    assert ex.amplification == pytest.approx(abs(1 + 0.1 * complex(-0.001, 0.2)), rel=1e-14)
    assert round(ex.amplification, 6) == 1.0001 and round(ex.growth, 3) == 1.102
    assert ex.numbers["stable (1 = yes)"] == 0.0 and ex.h_max == pytest.approx(0.002 / 0.040001)
    np.testing.assert_allclose(np.sort_complex(ex.z), np.sort_complex(0.1 * np.array([-0.001 - 0.2j, -0.001 + 0.2j])))
    np.testing.assert_allclose(ex.states[:, 1], -ex.states[:, 0])  # tanh odd, b = 0: the second point mirrors
    assert ex.states.shape == (1001, 2, 2)


def test_rotation_example_unstable_step_and_better_integrators():
    bad = rs.rotation_example(-1.0, 2.0, 1000, activation="identity")
    assert bad.amplification == pytest.approx(abs(1 + 2 * complex(-1, 0.2)))  # 1.077
    assert bad.growth == pytest.approx(bad.amplification ** 1000, rel=1e-9)  # K normal: the norm grows by |R|
    good = rs.rotation_example(-1.0, 1.5, 1000, activation="identity")
    assert good.amplification < 1 and good.growth < 1e-100
    heun = rs.rotation_example(scheme="heun")
    assert heun.amplification < 1 and heun.growth < 1
    lf = rs.rotation_example(scheme="leapfrog")
    assert lf.amplification > 1 and lf.h_max == 0.0
    over = rs.rotation_example(0.2, 5.0, 3000, scheme="rk4", activation="identity")
    assert over.diverged_at is not None and "diverged at layer" in over.numbers and np.isinf(over.growth)
    assert np.all(np.isfinite(over.states))
    with pytest.raises(ValueError):
        rs.rotation_example(n_layers=0)
    with pytest.raises(ValueError):
        rs.rotation_example(h=-1.0)


def test_convergence_study_orders():
    c = rs.convergence_study()
    for s, p in rs.EXPECTED_ORDER.items():
        assert abs(c.orders[s] - p) < 0.1 * p, (s, c.orders[s])
        assert np.all(np.diff(c.errors[s]) < 0)
    assert c.errors["rk4"][-1] < 1e-10
    par = rs.convergence_study(architecture="parabolic", activation="identity")
    assert all(abs(par.orders[s] - p) < 0.15 * p for s, p in rs.EXPECTED_ORDER.items()), par.orders
    with pytest.raises(ValueError):
        rs.convergence_study(Ls=(8,))
    with pytest.raises(ValueError):
        rs.convergence_study(["euler", "bdf"])


@pytest.mark.parametrize("arch", resnet.ARCHITECTURES)
def test_integrator_checks_pass(arch):
    for c in rs.integrator_checks(architecture=arch):
        assert c.taylor.passed and abs(c.taylor.order - 2) < 0.2, (c.scheme, c.taylor.order)
        assert c.adjoint.passed and c.adjoint.rel_error < 1e-12, (c.scheme, c.adjoint.rel_error)


def test_antisymmetric_study_closed_forms():
    s = rs.antisymmetric_study(0.1)
    # identity activation, gamma = 0: growth over T = 20 is |R|^N exactly, N = 200
    assert s.numbers["euler growth"] == pytest.approx((1 + 0.01) ** 100, rel=1e-12)
    assert s.numbers["heun growth"] == pytest.approx((1 + 1e-4 / 4) ** 100, rel=1e-12)
    assert s.numbers["euler largest stable h"] == 0.0 and s.numbers["heun largest stable h"] == 0.0
    assert s.numbers["rk4 largest stable h"] == pytest.approx(2 * np.sqrt(2))
    assert np.all(s.amplification["euler"] > 1) and np.all(s.growth["euler"] > 1)
    d = rs.antisymmetric_study(0.2, gamma=0.01)
    assert d.numbers["euler growth"] > 5 and d.numbers["heun growth"] < 0.85 and d.numbers["midpoint growth"] < 0.85
    assert d.numbers["heun largest stable h"] == pytest.approx(0.44397, abs=1e-4)
    with pytest.raises(ValueError):
        rs.antisymmetric_study(0.1, schemes=("leapfrog",))
    with pytest.raises(ValueError):
        rs.antisymmetric_study(0.1, gamma=-1.0)


def test_reversibility_study():
    s = rs.reversibility_study(1000, 0.05)
    assert s.numbers["leapfrog: input reconstruction error"] < 1e-12
    assert s.leapfrog_error.max() < 1e-11 and s.leapfrog_error[-1] == 0  # per state (measured max 1.0e-12)
    assert s.numbers["Euler run backwards: input error"] > 1
    assert s.gradient_difference < 1e-10
    np.testing.assert_array_equal(s.stored_bytes, (s.Ns + 1) * 50 * 4 * 8)
    assert np.all(s.reversible_bytes == 2 * 50 * 4 * 8)
    with pytest.raises(ValueError):
        rs.reversibility_study(1)
