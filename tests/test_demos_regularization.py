"""Tests for dlcore.demos.regularization: the bias/variance rule, the Bayes error of
the moons, early stopping and the weight statistics, each against an
independent computation (brute force, Monte Carlo, NumPy)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from dlcore import data, model, train
from dlcore.demos import regularization
from dlcore.demos.regularization import (
    DIAGNOSES,
    bayes_error_moons,
    bias_variance_table,
    diagnose,
    diagnosis_code,
    early_stopping,
    near_zero_fraction,
    snap,
    train_early_stopping,
    train_grid,
    weight_norm,
    weight_vector,
)

# --- diagnosis ---------------------------------------------------------------


def test_the_notes_cat_classifiers():
    assert diagnose(0.01, 0.11) == "high variance"
    assert diagnose(0.15, 0.16) == "high bias"
    assert diagnose(0.15, 0.30) == "both"
    assert diagnose(0.005, 0.01) == "neither"


def test_bias_is_measured_from_the_base_error():
    assert diagnose(0.15, 0.16, base_error=0.0) == "high bias"
    assert diagnose(0.15, 0.16, base_error=0.14) == "neither"
    assert diagnose(0.15, 0.30, base_error=0.14) == "high variance"


def test_thresholds_are_strict_and_configurable():
    # exactly on the threshold is not "high" (up to float rounding: use 0.25/0.5)
    assert diagnose(0.25, 0.5, 0.0, bias_tol=0.25, variance_tol=0.25) == "neither"
    assert diagnose(0.26, 0.5, 0.0, bias_tol=0.25, variance_tol=0.25) == "high bias"
    assert diagnose(0.25, 0.51, 0.0, bias_tol=0.25, variance_tol=0.25) == (
        "high variance"
    )
    assert diagnose(0.10, 0.12, bias_tol=0.2, variance_tol=0.01) == "high variance"


def test_codes_agree_with_an_independent_rule_elementwise():
    rng = np.random.default_rng(0)
    tr, dv, b = rng.uniform(0, 0.5, (3, 500))
    b = b / 3
    codes = diagnosis_code(tr, dv, b, bias_tol=0.04, variance_tol=0.06)
    for k in range(500):
        bias = tr[k] - b[k] > 0.04
        var = dv[k] - tr[k] > 0.06
        want = {
            (False, False): "neither",
            (True, False): "high bias",
            (False, True): "high variance",
            (True, True): "both",
        }[(bias, var)]
        assert DIAGNOSES[codes[k]] == want
        assert diagnose(tr[k], dv[k], b[k], bias_tol=0.04, variance_tol=0.06) == want


@pytest.mark.parametrize(
    "kw, match",
    [
        (dict(train_error=1.5, dev_error=0.1), "train_error"),
        (dict(train_error=0.1, dev_error=-0.1), "dev_error"),
        (dict(train_error=0.1, dev_error=0.1, base_error=float("nan")), "base_error"),
        (dict(train_error=0.1, dev_error=0.1, bias_tol=2.0), "bias_tol"),
        (dict(train_error=[0.1, 0.2], dev_error=0.1), "single number"),
    ],
)
def test_bad_errors_are_rejected_by_name(kw, match):
    with pytest.raises(ValueError, match=match):
        diagnose(**kw)


# --- Bayes error of the moons --------------------------------------------------


def _density(X, noise, n=4000):
    """p_0(x), p_1(x) by a trapezoid rule over t in [0, π] (float64)."""
    t = np.linspace(0.0, np.pi, n)
    w = np.full(n, 1.0 / (n - 1))
    w[[0, -1]] /= 2  # trapezoid weights, summing to 1 (the mean over t)
    out = []
    for mx, my in ((np.cos(t), np.sin(t)), (1 - np.cos(t), 0.5 - np.sin(t))):
        d2 = (X[0][:, None] - mx) ** 2 + (X[1][:, None] - my) ** 2
        g = np.exp(-d2 / (2 * noise**2)) / (2 * np.pi * noise**2)
        out.append(g @ w)
    return out


def test_bayes_error_matches_monte_carlo_on_the_generator():
    noise = 0.3
    X, _ = data.make_moons(jax.random.key(7), 40_000, noise=noise)
    p0, p1 = _density(np.asarray(X, np.float64), noise)
    mc = np.minimum(p0, p1) / (p0 + p1)  # error of the best rule at each x
    estimate, se = mc.mean(), mc.std() / np.sqrt(mc.size)
    assert abs(bayes_error_moons(noise) - estimate) < 4 * se + 1e-3


def test_bayes_error_limits_and_monotonicity():
    errs = [bayes_error_moons(s) for s in (0.02, 0.1, 0.2, 0.3, 0.5)]
    assert errs[0] < 1e-4
    assert np.all(np.diff(errs) > 0)
    assert errs[-1] < 0.5
    # the quadrature has converged
    assert bayes_error_moons(0.25) == pytest.approx(
        bayes_error_moons(0.25, n_angles=512, grid=401), abs=1e-4
    )


def test_bayes_error_bad_noise():
    with pytest.raises(ValueError, match="noise"):
        bayes_error_moons(0.0)


def test_no_model_beats_the_bayes_error_on_fresh_data():
    noise = 0.25
    X, Y = data.make_moons(jax.random.key(3), 2400, noise=noise)
    rows = bias_variance_table(
        jax.random.key(1), X[:, :400], Y[:, :400], X[:, 400:], Y[:, 400:],
        [(2, 1), (2, 16, 1)], bayes_error_moons(noise), num_steps=300,
    )  # fmt: skip
    base = bayes_error_moons(noise)
    for r in rows:
        # 2000 dev points: a 3-sigma allowance for the sampling noise of the estimate
        assert r.dev_error > base - 3 * np.sqrt(base * (1 - base) / 2000)
        assert r.diagnosis == diagnose(r.train_error, r.dev_error, base)
    assert rows[0].n_params == 3 and rows[1].n_params == 2 * 16 + 16 + 16 + 1
    with pytest.raises(ValueError, match="sizes"):
        bias_variance_table(jax.random.key(1), X, Y, X, Y, [], base)


# --- early stopping ------------------------------------------------------------


def _early_stopping_reference(cost, patience):
    """Brute force: stop at the first i whose last `patience` values hold no
    new running minimum; keep the index of the minimum of cost[: stop + 1]."""
    cost = np.asarray(cost, np.float64)
    for i in range(patience, cost.size):
        before = np.nanmin(cost[: i - patience + 1]) if i - patience >= 0 else np.inf
        window = cost[i - patience + 1 : i + 1]
        if not np.any(window < before):
            stop = i
            break
    else:
        stop = cost.size - 1
    seen = cost[: stop + 1]
    return int(np.nanargmin(seen)), stop


def test_early_stopping_matches_brute_force_on_random_curves():
    rng = np.random.default_rng(0)
    for _ in range(300):
        n = int(rng.integers(1, 40))
        cost = rng.normal(size=n).cumsum() + rng.normal(scale=0.5, size=n)
        patience = int(rng.integers(1, 8))
        assert early_stopping(cost, patience) == _early_stopping_reference(
            cost, patience
        ), (cost, patience)


def test_early_stopping_on_a_u_shaped_curve():
    cost = (np.arange(50) - 20.0) ** 2
    assert early_stopping(cost, 5) == (20, 25)
    assert early_stopping(cost, 100) == (20, 49)  # never stops early
    assert early_stopping(np.arange(10.0)[::-1], 3) == (9, 9)  # always improving


def test_early_stopping_ignores_nan_and_checks_input():
    cost = np.array([np.nan, 3.0, 2.0, np.nan, 2.5, 2.6, 2.7])
    assert early_stopping(cost, 3) == (2, 5)
    with pytest.raises(ValueError, match="patience"):
        early_stopping(cost, 0)
    with pytest.raises(ValueError, match="dev_cost"):
        early_stopping(np.array([]), 2)
    with pytest.raises(ValueError, match="dev_cost"):
        early_stopping(np.ones((3, 3)), 2)


# --- weight statistics -----------------------------------------------------------


def _params(rng, lead=()):
    return {
        "W1": rng.normal(size=(*lead, 5, 2)) * 0.05,
        "b1": rng.normal(size=(*lead, 5, 1)) * 100,  # huge biases: must be ignored
        "W2": rng.normal(size=(*lead, 1, 5)),
        "b2": np.zeros((*lead, 1, 1)),
    }


def test_weight_statistics_match_numpy_and_skip_biases():
    rng = np.random.default_rng(1)
    p = _params(rng)
    w = np.concatenate([p["W1"].ravel(), p["W2"].ravel()])
    np.testing.assert_allclose(weight_vector(p), w, rtol=1e-6)
    np.testing.assert_allclose(weight_norm(p), np.linalg.norm(w), rtol=1e-5)
    share = np.mean(np.abs(w) < 0.05)
    assert float(near_zero_fraction(p, 0.05)) == pytest.approx(share)


def test_weight_statistics_with_a_batch_axis():
    rng = np.random.default_rng(2)
    pb = _params(rng, lead=(4,))
    norms = weight_norm(pb)
    assert norms.shape == (4,)
    for k in range(4):
        pk = {name: v[k] for name, v in pb.items()}
        assert float(norms[k]) == pytest.approx(float(weight_norm(pk)), rel=1e-5)
        assert float(near_zero_fraction(pb)[k]) == pytest.approx(
            float(near_zero_fraction(pk))
        )
    with pytest.raises(ValueError, match="weight"):
        weight_vector({"b1": jnp.zeros((2, 1))})
    with pytest.raises(ValueError, match="tol"):
        near_zero_fraction(pb, 0.0)


def test_module_has_no_plotting_imports():
    import inspect

    src = inspect.getsource(regularization)
    assert "matplotlib" not in src.replace("No matplotlib", "")
    assert "ipywidgets" not in src


# --- the dashboard's grid and the early-stopping run ----------------------------

ES_SMALL = dict(m_train=60, num_steps=400, eval_every=10, learning_rate=0.003)


def test_snap():
    lams = (0.0, 0.01, 0.03, 0.1, 0.3, 1.0)
    assert snap(0.0, lams) == 0
    assert snap(0.001, lams) == 0
    assert snap(0.02, lams) == 2  # nearer 0.03 than 0.01 on a log scale
    assert snap(0.1, lams) == 3
    assert snap(50.0, lams) == 5
    assert snap(0.74, (0.5, 0.6, 0.7, 0.8)) == 2


def test_train_grid_bad_input():
    with pytest.raises(ValueError, match="keep_probs"):
        train_grid(jax.random.key(0), keep_probs=(0.0, 1.0))
    with pytest.raises(ValueError, match="lambds"):
        train_grid(jax.random.key(0), lambds=(-1.0, 1.0))
    with pytest.raises(ValueError, match="mesh"):
        train_grid(jax.random.key(0), mesh=1000)


def test_early_stopping_costs_are_the_training_run():
    # re-train to an evaluation step with a separate fit call: same cost there
    key = jax.random.key(0)
    run = train_early_stopping(key, **ES_SMALL)
    k_data, k_fit = jax.random.split(key)
    X, Y = data.make_moons(k_data, ES_SMALL["m_train"] + 500, noise=0.3)
    cfg = model.MLPConfig((2, 64, 64, 1), hidden="relu", output="sigmoid")
    m = ES_SMALL["m_train"]
    X_tr, Y_tr, X_dev, Y_dev = X[:, :m], Y[:, :m], X[:, m:], Y[:, m:]
    s = int(run.steps[6])
    hp = train.Hyper(learning_rate=ES_SMALL["learning_rate"])
    h = train.fit(k_fit, X_tr, Y_tr, cfg, hp, num_steps=s)
    J_tr = float(model.loss(h.params, X_tr, Y_tr, cfg))
    J_dev = float(model.loss(h.params, X_dev, Y_dev, cfg))
    assert J_tr == pytest.approx(run.train_cost[6], rel=1e-4)
    assert J_dev == pytest.approx(run.dev_cost[6], rel=1e-4)
    assert np.all(np.diff(run.steps) == ES_SMALL["eval_every"])


def test_diagnose_bad_input_from_panel_values():
    with pytest.raises(ValueError, match="dev_error"):
        regularization.diagnose(0.1, 1.2)
    with pytest.raises(ValueError, match="noise"):
        train_grid(jax.random.key(0), noise=-1.0)
    assert jnp.isfinite(regularization.bayes_error_moons(0.3))
