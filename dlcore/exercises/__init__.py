"""Checkers for the notebook exercises: one function ``check_<exercise>`` each.

A notebook cell defines the student's function, the next cell checks it::

    from dlcore.exercises import check_normalize
    check_normalize(normalize)

and the check prints exactly one line:

* ``✔ <title>: correct.`` (sometimes followed by one short fact);
* ``… <title>: not done yet.`` when the function still raises
  ``NotImplementedError`` (the stub of the student version);
* ``✘ <title>: <what is wrong>`` otherwise, naming the mistake when it is one
  of the usual ones (e.g. "divided by σ² instead of σ").

A check never raises because of the student's code (an exception, a wrong
type or shape, NaN, an endless loop stopped by the time limit, even one that
catches ``Exception``), so "Run All" always reaches the end of the notebook.
It returns a :class:`CheckResult` and stores it in :data:`RESULTS` (exercise
title -> last result).

Every checker tests *properties* on several inputs (shapes, seeds, keys and
hyperparameters), so an answer tuned to one input fails, and compares with the
dlcore implementation of the same formula. The reference is computed before
the student's code runs, which gets copies of its inputs; an input it changes
is reported. Every hyperparameter changes the expected result in at least one
case, so an ignored argument is caught. Messages never show expected values:
at most a shape, a largest difference or a statistic.

Inputs are JAX arrays (float32) unless a docstring says otherwise; results may
be NumPy or JAX arrays (float32 or float64).

:func:`quiet_check` runs a checker without printing or recording (a panel
asks it whether to offer "use my function"), and :func:`stop_after` puts the
time limit around the student's code outside a checker.

The package holds the harness (``_harness``: results, the time limit,
comparing) and one module per notebook; the assembly exercises, which train a
network from the student's own functions, live beside the checkers of their
part of the course.
"""

from __future__ import annotations

from dlcore.exercises._harness import (
    ASSEMBLY,
    DEFAULT_TIME_LIMIT,
    RESULTS,
    TITLES,
    CheckResult,
    chosen,
    quiet_check,
    stop_after,
)
from dlcore.exercises.batch_normalization import (
    check_batchnorm_backward,
    check_batchnorm_forward,
    check_batchnorm_grad_check,
    grad_check_batchnorm,
)
from dlcore.exercises.exponentially_weighted_averages import check_ewa
from dlcore.exercises.gradient_checking import check_grad_check
from dlcore.exercises.hyperparameter_search import (
    check_sample_beta,
    check_sample_log_uniform,
)
from dlcore.exercises.initialization import check_he_init, check_xavier_init
from dlcore.exercises.minibatch import check_random_mini_batches
from dlcore.exercises.normalizing_inputs import check_normalize
from dlcore.exercises.optimizers import (
    check_adam_update,
    check_lr_decay,
    check_momentum_update,
    check_optimized_training,
    check_rmsprop_update,
    train_digits,
)
from dlcore.exercises.regularization import (
    check_dropout_backward,
    check_dropout_forward,
    check_l2_cost,
    check_l2_grad_term,
    check_regularized_training,
    regularization_data,
    train_with_regularization,
)
from dlcore.exercises.softmax import (
    check_softmax,
    check_softmax_cross_entropy,
    check_softmax_cross_entropy_backward,
)
from dlcore.exercises.vanishing_exploding import check_clip_by_global_norm

__all__ = [
    "ASSEMBLY",
    "DEFAULT_TIME_LIMIT",
    "RESULTS",
    "TITLES",
    "CheckResult",
    "check_adam_update",
    "check_batchnorm_backward",
    "check_batchnorm_forward",
    "check_batchnorm_grad_check",
    "check_clip_by_global_norm",
    "check_dropout_backward",
    "check_dropout_forward",
    "check_ewa",
    "check_grad_check",
    "check_he_init",
    "check_l2_cost",
    "check_l2_grad_term",
    "check_lr_decay",
    "check_momentum_update",
    "check_normalize",
    "check_optimized_training",
    "check_random_mini_batches",
    "check_regularized_training",
    "check_rmsprop_update",
    "check_sample_beta",
    "check_sample_log_uniform",
    "check_softmax",
    "check_softmax_cross_entropy",
    "check_softmax_cross_entropy_backward",
    "check_xavier_init",
    "chosen",
    "grad_check_batchnorm",
    "quiet_check",
    "regularization_data",
    "stop_after",
    "train_digits",
    "train_with_regularization",
]
