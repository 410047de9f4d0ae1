"""The assembly exercises: networks trained with the student's own functions.

The student's functions are the correct NumPy implementations of
``tests/test_exercises.py`` (or wrong ones made from them). Each runner must
use them (counted), fall back visibly to dlcore's where one is not done yet,
and its checker must pass a good run and name what is wrong otherwise.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import jax
import numpy as np
import pytest
import test_exercises as cat

from dlcore import exercises as ex


def _stub(*args):
    raise NotImplementedError


# --------------------------------------------------------------------------
# Regularization
# --------------------------------------------------------------------------

REG_FUNCTIONS = {
    "l2_cost": cat.l2_cost,
    "l2_grad_term": cat.l2_grad_term,
    "dropout_forward": cat.dropout_forward,
    "dropout_backward": cat.dropout_backward,
}


@pytest.fixture(scope="module")
def moons():
    return ex.regularization_data(jax.random.key(0))


def _train(moons, functions, **kwargs):
    kwargs.setdefault("key", jax.random.key(1))
    return ex.train_with_regularization(*moons, **functions, **kwargs)


def test_regularized_training_uses_the_students_functions_and_passes(moons, capsys):
    run = _train(moons, REG_FUNCTIONS, lambd=1.0, keep_prob=0.8)
    assert run.calls == {
        "l2_cost": 50,  # the cost is recorded every 10 of 500 iterations
        "l2_grad_term": 3 * 500,
        "dropout_forward": 2 * 500,  # two hidden layers
        "dropout_backward": 2 * 500,
    }
    assert all(run.used.values())
    capsys.readouterr()
    result = ex.check_regularized_training(run)
    assert result.passed, result.line
    assert run.dev_accuracy >= ex.regularization.REG_DEV_ACCURACY
    assert capsys.readouterr().out == result.line + "\n"


def test_without_regularization_the_network_overfits(moons):
    """The threshold means something: λ = 0, keep_prob = 1 stays below it."""
    run = _train(moons, REG_FUNCTIONS, lambd=0.0, keep_prob=1.0)
    assert run.train_accuracy == 1.0
    assert run.dev_accuracy < ex.regularization.REG_DEV_ACCURACY
    result = ex.check_regularized_training(run)
    assert result.status == "failed" and "keep_prob = 1" in result.message


def test_stubs_fall_back_to_dlcore_and_report_not_done(moons, capsys):
    functions = dict.fromkeys(REG_FUNCTIONS, _stub)
    run = _train(moons, functions, lambd=1.0, keep_prob=0.8, num_iterations=20)
    out = capsys.readouterr().out.splitlines()
    assert sorted(out) == [
        f"… {name} is not done yet, so this run uses dlcore's instead."
        for name in sorted(REG_FUNCTIONS)
    ]  # one line each
    assert not any(run.used.values())
    result = ex.check_regularized_training(run)
    assert result.status == "not_done"
    assert "l2_cost" in result.message and "dropout_backward" in result.message


def test_a_run_with_lambda_zero_is_told_to_pick_one(moons):
    run = _train(moons, REG_FUNCTIONS, lambd=0.0, keep_prob=0.8, num_iterations=20)
    result = ex.check_regularized_training(run)
    assert result.status == "failed" and "λ = 0" in result.message


def test_a_low_dev_accuracy_is_reported_with_a_direction(moons):
    run = _train(moons, REG_FUNCTIONS, lambd=30.0, keep_prob=0.5, num_iterations=100)
    result = ex.check_regularized_training(run)
    assert result.status == "failed"
    assert "below 91%" in result.message and "underfitting" in result.message


def test_bad_hyperparameters_are_usage_errors(moons):
    with pytest.raises(ValueError, match="keep_prob"):
        _train(moons, REG_FUNCTIONS, keep_prob=0.0)
    with pytest.raises(ValueError, match="lambd"):
        _train(moons, REG_FUNCTIONS, lambd=-1.0)


def test_the_check_wants_a_run():
    result = ex.check_regularized_training("not a run")
    assert result.status == "error" and "train_with_regularization" in result.message


# --------------------------------------------------------------------------
# Gradient checking on batch norm
# --------------------------------------------------------------------------


def test_the_students_grad_check_passes_their_backward_and_finds_the_bug():
    run = ex.grad_check_batchnorm(
        cat.grad_check,
        cat.batchnorm_forward,
        cat.batchnorm_backward,
        key=jax.random.key(0),
    )
    assert run.rel_error < 1e-7  # a float64 backward
    assert run.rel_error_planted > 1e-2
    assert all(run.used.values())
    assert ex.check_batchnorm_grad_check(run).passed


def test_a_wrong_backward_is_named_with_the_other_suspect():
    run = ex.grad_check_batchnorm(
        cat.grad_check,
        cat.batchnorm_forward,
        cat.make_bn_backward(with_mu=False),
        key=jax.random.key(0),
    )
    result = ex.check_batchnorm_grad_check(run)
    assert result.status == "failed"
    assert "batchnorm_backward has a bug" in result.message
    assert "or your grad_check does" in result.message


def test_a_grad_check_that_finds_nothing_fails():
    run = ex.grad_check_batchnorm(
        lambda J, theta, dtheta, eps=1e-7: 0.0,
        cat.batchnorm_forward,
        cat.batchnorm_backward,
        key=jax.random.key(0),
    )
    result = ex.check_batchnorm_grad_check(run)
    assert result.status == "failed" and "dβ halved" in result.message


def test_a_backward_without_its_forward_falls_back_as_a_pair(capsys):
    run = ex.grad_check_batchnorm(
        cat.grad_check, _stub, cat.batchnorm_backward, key=jax.random.key(0)
    )
    out = capsys.readouterr().out
    assert "uses dlcore's forward and backward together" in out
    assert run.used == {
        "grad_check": True,
        "batchnorm_forward": False,
        "batchnorm_backward": False,
    }
    assert run.rel_error < 1e-5  # dlcore's float32 pair
    result = ex.check_batchnorm_grad_check(run)
    assert result.status == "not_done"


# --------------------------------------------------------------------------
# Optimization: the digits
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def digits_run():
    return ex.train_digits(
        cat.random_mini_batches, cat.adam_update, cat.lr_decay, key=jax.random.key(0)
    )


def test_digits_with_the_students_functions_match_the_reference(digits_run):
    run = digits_run
    assert all(run.used.values())
    assert run.costs.shape == run.reference_costs.shape == (12,)
    assert run.costs[-1] < 0.25 * run.costs[0]
    # the shuffles differ (the catalog's function splits the key first), the
    # curves agree
    np.testing.assert_allclose(run.costs[-1], run.reference_costs[-1], rtol=0.2)
    alpha = [0.01 / (1 + 0.3 * e) for e in range(12)]
    np.testing.assert_allclose(run.learning_rates, alpha, rtol=1e-6)
    result = ex.check_optimized_training(run)
    assert result.passed, result.line


def test_digits_stubs_fall_back_and_report_not_done(capsys):
    run = ex.train_digits(_stub, _stub, _stub, key=jax.random.key(0), num_epochs=1)
    assert capsys.readouterr().out.count("is not done yet, so this run uses") == 3
    np.testing.assert_array_equal(run.costs, run.reference_costs)
    assert ex.check_optimized_training(run).status == "not_done"


def test_a_sign_error_in_adam_fails_the_run():
    def ascent(v, s, g, t, beta1, beta2, eps):
        v, s, step = cat.adam_update(v, s, g, t, beta1, beta2, eps)
        return v, s, -step

    run = ex.train_digits(
        cat.random_mini_batches, ascent, cat.lr_decay, key=jax.random.key(0)
    )
    result = ex.check_optimized_training(run)
    assert result.status == "failed"
    assert "dlcore's at" in result.message or "NaN" in result.message
    assert math.isfinite(run.reference_costs[-1])


def test_chosen_hyperparameters_fall_back_while_not_done(capsys):
    def my_regularization():
        raise NotImplementedError

    assert ex.chosen(my_regularization, (0.0, 1.0)) == (0.0, 1.0)
    assert capsys.readouterr().out == (
        "… my_regularization is not done yet, so this run uses (0.0, 1.0).\n"
    )
    assert ex.chosen(lambda: (1.0, 0.8), (0.0, 1.0)) == (1.0, 0.8)


def test_a_student_version_run_is_not_done_even_with_keep_prob_one(moons):
    functions = dict.fromkeys(REG_FUNCTIONS, _stub)
    run = _train(moons, functions, lambd=0.0, keep_prob=1.0, num_iterations=20)
    assert run.not_done == ("l2_cost", "l2_grad_term")  # dropout never ran
    assert ex.check_regularized_training(run).status == "not_done"


# --------------------------------------------------------------------------
# The notebooks: each part ends with its assembly exercise
# --------------------------------------------------------------------------

COURSE = Path(__file__).resolve().parents[1] / "course"
ASSEMBLY_NOTEBOOKS = {
    "regularized_training": "04_regularization",
    "batchnorm_grad_check": "09_batch_normalization",
    "optimized_training": "08_optimizers",
}


def _code_cells(name):
    nb = json.loads((COURSE / f"{name}.ipynb").read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


@pytest.mark.parametrize("exercise", ex.ASSEMBLY)
def test_each_assembly_check_closes_its_notebook(exercise):
    """tests/test_notebooks.py then runs it in both versions (✔ and …)."""
    cells = _code_cells(ASSEMBLY_NOTEBOOKS[exercise])
    checks = [i for i, src in enumerate(cells) if re.search(r"^check_\w+\(", src, re.M)]
    assembly = [i for i in checks if f"check_{exercise}(run)" in cells[i]]
    assert assembly == [checks[-1]], "the assembly check must be the last check"
    assert "### BEGIN SOLUTION" in cells[assembly[0] - 1]  # the student's part


@pytest.mark.parametrize(
    "name, call",
    [
        ("07_exponentially_weighted_averages", "ewa_panel(yours=ewa)"),
        ("08_optimizers", "optimizer_panel(yours=adam_update)"),
        ("11_softmax", "temperature_panel(yours=softmax)"),
    ],
)
def test_use_my_function_panels_come_after_their_check(name, call):
    cells = _code_cells(name)
    fn = call.split("yours=")[1].rstrip(")")
    panel = next(i for i, src in enumerate(cells) if call in src)
    check = next(i for i, src in enumerate(cells) if f"check_{fn}({fn})" in src)
    assert panel > check


def test_fallback_notes_are_not_checker_lines(capsys):
    """The notebooks' test reads lines '✔/✘/… <title>: ...' as checks; the
    notes of a run that falls back must not look like one."""
    from test_notebooks import CHECK_LINE

    ex.chosen(_stub, (0.0, 1.0))
    ex.train_digits(_stub, _stub, _stub, key=jax.random.key(0), num_epochs=1)
    out = capsys.readouterr().out
    assert out.count("is not done yet") == 4
    assert CHECK_LINE.findall(out) == []
