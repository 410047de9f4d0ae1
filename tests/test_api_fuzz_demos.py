"""Bad input to every public function beyond the core gets a clear error.

The same rule as ``tests/test_api_fuzz.py``, for the notebooks' numerics
(``dlcore.demos.*``), the panel builders (``dlcore.live.panels.*``), the
static figures (``dlcore.live.static.*``) and the exercises' runners. One
table per module; each row calls one public function with exactly one bad
argument and names the exception type and the words its message must hold:
the argument as the user writes it, and what is allowed. A panel must refuse
bad input before it builds a widget, so no row builds one.
"""

import importlib
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from matplotlib.figure import Figure

import dlcore.exercises as ex
from dlcore import model, train
from dlcore.demos import batch_normalization as bd
from dlcore.demos import exponentially_weighted_averages as dewa
from dlcore.demos import gradient_checking as fd
from dlcore.demos import hyperparameter_search as hs
from dlcore.demos import initialization as di
from dlcore.demos import minibatch as mb
from dlcore.demos import normalizing_inputs as ni
from dlcore.demos import optimizers as opt
from dlcore.demos import regularization as reg
from dlcore.demos import softmax as sm
from dlcore.demos import vanishing_exploding as ve
from dlcore.live.panels import batchnorm as pbn
from dlcore.live.panels import ewa as pewa
from dlcore.live.panels import gradcheck as pgc
from dlcore.live.panels import initialization as pinit
from dlcore.live.panels import minibatch as pmb
from dlcore.live.panels import normalizing as pnorm
from dlcore.live.panels import optimizers as popt
from dlcore.live.panels import regularization as preg
from dlcore.live.panels import search as psearch
from dlcore.live.panels import softmax as psm
from dlcore.live.panels import vanishing as pvan
from dlcore.live.static import hyperparameter_search as shs
from dlcore.live.static import optimizers as sopt

KEY = jax.random.key(0)
KEYS = jax.random.split(KEY, 3)
RAW_KEYS = jax.random.split(jax.random.PRNGKey(0), 3)
NAN = math.nan
INF = math.inf
CPLX = jnp.ones((2, 4), jnp.complex64)
OBJ = np.array([[1.0, "a"]], dtype=object)
STR = np.array([["a", "b"]])

# ------------------------------------------------------------ shared inputs
MB_X, MB_Y = mb.make_data(8, 0)
MB_PERMS = mb.shuffles(KEY, 8, 2)
BD_WS = [jnp.ones((3, 2), jnp.float32), jnp.ones((3, 3), jnp.float32)]
BD_X = jnp.ones((2, 8), jnp.float32)
PROBLEM = fd.demo_problem(0)
GRADS = fd.mlp_grad(PROBLEM)
THETAS = np.ones((1, 37))
LAYOUT = [("W1", (4, 2)), ("b1", (4, 1)), ("W2", (4, 4)), ("b2", (4, 1))]
LAYOUT += [("W3", (1, 4)), ("b3", (1, 1))]
EPS = np.logspace(-8, -2, 7)
ERR = np.linspace(1.0, 2.0, 7)
QUAD = opt.elongated_quadratic()
H = np.eye(2)
LAM = jnp.ones((2, 2))
IMAGES = jnp.full((64, 3), 0.5, jnp.float32)
REG_X = jnp.ones((2, 6), jnp.float32)
REG_Y = jnp.ones((1, 6), jnp.float32)
REG_PARAMS = {"W1": jnp.ones((3, 2)), "b1": jnp.zeros((3, 1))}
NET = model.MLPConfig((2, 3, 1))
NET_PARAMS = model.init_params(KEY, NET)
MB_REG = (MB_X.astype(np.float32), MB_Y.astype(np.float32))
AXES = Figure().add_subplot()
DEEP_STATS = ve.DeepStats(*(np.ones((2, 5)),) * 4, np.ones(3), np.ones(4))

# (id, call, exception type, words the message must contain); the id starts
# with the function's name.
BATCH_NORMALIZATION = [
    ("diverged-str", lambda: bd.diverged("a"), TypeError, ["loss"]),
    ("diverged-0d", lambda: bd.diverged(1.0), ValueError, ["loss", "-D"]),
    ("diverged-empty", lambda: bd.diverged(np.ones((2, 0))), ValueError, ["loss"]),
    (
        "ema_gap-momentum-1",
        lambda: bd.ema_gap(momentum=1.0),
        ValueError,
        ["momentum", "[0, 1)"],
    ),
    (
        "ema_gap-batch_sizes-float",
        lambda: bd.ema_gap((2, 4.5)),
        TypeError,
        ["batch_sizes", "integer"],
    ),
    (
        "ema_gap-batch_sizes-1",
        lambda: bd.ema_gap((1, 4)),
        ValueError,
        ["batch_sizes", "[2, 4096]"],
    ),
    ("ema_gap-batch_sizes-empty", lambda: bd.ema_gap(()), ValueError, ["batch_sizes"]),
    ("ema_gap-num_steps-0", lambda: bd.ema_gap(num_steps=0), ValueError, ["num_steps"]),
    ("ema_gap-n-str", lambda: bd.ema_gap(n="8"), TypeError, ["n", "integer"]),
    ("ema_gap-eps-inf", lambda: bd.ema_gap(eps=INF), ValueError, ["eps", "finite"]),
    ("ema_gap-seed-None", lambda: bd.ema_gap(seed=None), TypeError, ["seed"]),
    ("hist_params-key-None", lambda: bd.hist_params(None), TypeError, ["key"]),
    (
        "hist_params-key-batch",
        lambda: bd.hist_params(KEYS),
        ValueError,
        ["key", "batch"],
    ),
    (
        "hist_params-depth-13",
        lambda: bd.hist_params(KEY, 13),
        ValueError,
        ["depth", "12"],
    ),
    (
        "hist_params-width-float",
        lambda: bd.hist_params(KEY, width=6.5),
        TypeError,
        ["width", "integer"],
    ),
    (
        "layer_histograms-Ws-str",
        lambda: bd.layer_histograms("W", BD_X, 1.0, 4),
        TypeError,
        ["Ws"],
    ),
    (
        "layer_histograms-X-cplx",
        lambda: bd.layer_histograms(BD_WS, CPLX, 1.0, 4),
        TypeError,
        ["X", "complex"],
    ),
    (
        "layer_histograms-scale-nan",
        lambda: bd.layer_histograms(BD_WS, BD_X, NAN, 4),
        ValueError,
        ["scale", "NaN"],
    ),
    (
        "layer_histograms-m-big",
        lambda: bd.layer_histograms(BD_WS, BD_X, 1.0, 9),
        ValueError,
        ["m", "[2, 8]"],
    ),
    (
        "layer_histograms-bn-int",
        lambda: bd.layer_histograms(BD_WS, BD_X, 1.0, 4, bn=1),
        TypeError,
        ["bn", "True or False"],
    ),
    ("lr_sweep-alphas-neg", lambda: bd.lr_sweep([0.1, -1.0]), ValueError, ["alphas"]),
    ("lr_sweep-alphas-2d", lambda: bd.lr_sweep([[0.1]]), ValueError, ["alphas", "1-D"]),
    (
        "lr_sweep-num_steps-float",
        lambda: bd.lr_sweep([0.1], num_steps=2.5),
        TypeError,
        ["num_steps", "integer"],
    ),
    ("lr_sweep-m-1", lambda: bd.lr_sweep([0.1], m=1), ValueError, ["m", "[2, inf)"]),
    (
        "running_stats-momentum-str",
        lambda: bd.running_stats(np.ones((2, 3, 4)), "0.9"),
        TypeError,
        ["momentum"],
    ),
    (
        "running_stats-batches-2d",
        lambda: bd.running_stats(np.ones((2, 3))),
        ValueError,
        ["batches", "3-D"],
    ),
    (
        "running_stats-batches-obj",
        lambda: bd.running_stats(OBJ),
        TypeError,
        ["batches", "object"],
    ),
]

INITIALIZATION = [
    (
        "train_all_schemes-seed-float",
        lambda: di.train_all_schemes(0.5),
        TypeError,
        ["seed", "integer"],
    ),
    (
        "train_all_schemes-override",
        lambda: di.train_all_schemes(lr=0.1),
        TypeError,
        ["lr", "learning_rate"],
    ),
    (
        "distinct_rows-1d",
        lambda: di.distinct_rows(np.ones(3)),
        ValueError,
        ["W", "2-D"],
    ),
    ("distinct_rows-str", lambda: di.distinct_rows(STR), TypeError, ["W", "string"]),
    (
        "distinct_rows-tol-neg",
        lambda: di.distinct_rows(np.ones((2, 2)), -1.0),
        ValueError,
        ["tol", "[0, inf)"],
    ),
]

MINIBATCH = [
    ("batch_sizes_for-0", lambda: mb.batch_sizes_for(0), ValueError, ["m", "[1, inf)"]),
    (
        "batch_sizes_for-float",
        lambda: mb.batch_sizes_for(3.0),
        TypeError,
        ["m", "integer"],
    ),
    (
        "cost-W-shape",
        lambda: mb.cost(np.ones(3), MB_X, MB_Y),
        ValueError,
        ["W", "(2,)"],
    ),
    ("cost-X-rows", lambda: mb.cost(np.ones(2), MB_X[:1], MB_Y), ValueError, ["X"]),
    (
        "cost-Y-shape",
        lambda: mb.cost(np.ones(2), MB_X, MB_Y[:, :3]),
        ValueError,
        ["Y", "(1, 8)"],
    ),
    (
        "cost-X-nan",
        lambda: mb.cost(np.ones(2), np.where(MB_X > 0, NAN, MB_X), MB_Y),
        ValueError,
        ["X", "NaN"],
    ),
    ("make_data-m-1", lambda: mb.make_data(1), ValueError, ["m", "[2, inf)"]),
    ("make_data-seed-str", lambda: mb.make_data(8, "0"), TypeError, ["seed"]),
    ("minimizer-Y-None", lambda: mb.minimizer(MB_X, None), TypeError, ["Y"]),
    ("minimizer-iters-0", lambda: mb.minimizer(MB_X, MB_Y, 0), ValueError, ["iters"]),
    ("shuffles-key-None", lambda: mb.shuffles(None, 8, 2), TypeError, ["key"]),
    (
        "shuffles-key-batch",
        lambda: mb.shuffles(KEYS, 8, 2),
        ValueError,
        ["key", "batch"],
    ),
    ("shuffles-epochs-0", lambda: mb.shuffles(KEY, 8, 0), ValueError, ["epochs"]),
    (
        "train-learning_rate-inf",
        lambda: mb.train(MB_X, MB_Y, (0.0, 0.0), INF, 2, MB_PERMS),
        ValueError,
        ["learning_rate", "finite"],
    ),
    (
        "train-batch_size-big",
        lambda: mb.train(MB_X, MB_Y, (0.0, 0.0), 0.1, 9, MB_PERMS),
        ValueError,
        ["batch_size", "[1, 8]"],
    ),
    (
        "train-w0-shape",
        lambda: mb.train(MB_X, MB_Y, (0.0, 0.0, 0.0), 0.1, 2, MB_PERMS),
        ValueError,
        ["w0", "shape (2)"],
    ),
    (
        "train-perms-float",
        lambda: mb.train(MB_X, MB_Y, (0.0, 0.0), 0.1, 2, MB_PERMS * 1.0),
        ValueError,
        ["perms", "integer"],
    ),
    (
        "train_many-batch_sizes-str",
        lambda: mb.train_many(MB_X, MB_Y, (0.0, 0.0), 0.1, "12", MB_PERMS),
        TypeError,
        ["batch_sizes"],
    ),
    (
        "train_many-progress",
        lambda: mb.train_many(MB_X, MB_Y, (0.0, 0.0), 0.1, [2], MB_PERMS, progress=1),
        TypeError,
        ["progress", "callable"],
    ),
    (
        "train_many-perms-cols",
        lambda: mb.train_many(MB_X, MB_Y, (0.0, 0.0), 0.1, [2], MB_PERMS[:, :4]),
        ValueError,
        ["perms", "m = 8"],
    ),
]

SOFTMAX = [
    (
        "confusion_matrix-float",
        lambda: sm.confusion_matrix([0.5, 1.0], [0, 1]),
        TypeError,
        ["y_true", "integer"],
    ),
    (
        "confusion_matrix-range",
        lambda: sm.confusion_matrix([0, 1], [0, 10]),
        ValueError,
        ["y_pred", "[0, 9]"],
    ),
    (
        "confusion_matrix-num_classes",
        lambda: sm.confusion_matrix([0], [0], 0),
        ValueError,
        ["num_classes"],
    ),
    ("hardmax-None", lambda: sm.hardmax(None), TypeError, ["z"]),
    (
        "hardmax-3d",
        lambda: sm.hardmax(np.ones((2, 2, 2))),
        ValueError,
        ["z", "1 or 2-D"],
    ),
    ("hardmax-nan", lambda: sm.hardmax([1.0, NAN]), ValueError, ["z", "NaN"]),
    (
        "tempered_softmax-T-0",
        lambda: sm.tempered_softmax([1.0, 2.0], 0.0),
        ValueError,
        ["T", "(0, inf)"],
    ),
    (
        "tempered_softmax-T-str",
        lambda: sm.tempered_softmax([1.0, 2.0], "1"),
        TypeError,
        ["T"],
    ),
    (
        "tempered_softmax-z-cplx",
        lambda: sm.tempered_softmax(CPLX, 1.0),
        TypeError,
        ["z", "complex"],
    ),
    ("train_digits-key-None", lambda: sm.train_digits(None), TypeError, ["key"]),
    (
        "train_digits-raw-key-batch",
        lambda: sm.train_digits(RAW_KEYS),
        ValueError,
        ["key", "batch"],
    ),
    (
        "train_digits-hidden-0",
        lambda: sm.train_digits(KEY, hidden=0),
        ValueError,
        ["hidden"],
    ),
    (
        "train_digits-batch_size-float",
        lambda: sm.train_digits(KEY, batch_size=32.0),
        TypeError,
        ["batch_size", "integer"],
    ),
    (
        "train_digits-learning_rate-nan",
        lambda: sm.train_digits(KEY, learning_rate=NAN),
        ValueError,
        ["learning_rate", "NaN"],
    ),
    (
        "train_digits-fractions",
        lambda: sm.train_digits(KEY, fractions=(0.8, 0.3, 0.0)),
        ValueError,
        ["fractions"],
    ),
]

EXPONENTIALLY_WEIGHTED_AVERAGES = [
    (
        "temperature_averages-key-batch",
        lambda: dewa.temperature_averages(KEYS, 0.9),
        ValueError,
        ["key", "batch"],
    ),
    (
        "temperature_averages-beta-1",
        lambda: dewa.temperature_averages(KEY, 1.0),
        ValueError,
        ["beta", "[0, 1)"],
    ),
    (
        "temperature_averages-beta-None",
        lambda: dewa.temperature_averages(KEY, None),
        TypeError,
        ["beta"],
    ),
    (
        "temperature_averages-days-float",
        lambda: dewa.temperature_averages(KEY, 0.9, days=10.5),
        TypeError,
        ["days", "integer"],
    ),
    (
        "temperature_averages-noise-inf",
        lambda: dewa.temperature_averages(KEY, 0.9, noise=INF),
        ValueError,
        ["noise", "finite"],
    ),
]

GRADIENT_CHECKING = [
    ("demo_problem-seed-str", lambda: fd.demo_problem("0"), TypeError, ["seed"]),
    (
        "demo_problem-layer_dims-float",
        lambda: fd.demo_problem(0, (2, 4.5, 1)),
        TypeError,
        ["layer_dims[1]", "integer"],
    ),
    (
        "demo_problem-layer_dims-short",
        lambda: fd.demo_problem(0, (2,)),
        ValueError,
        ["layer_dims"],
    ),
    ("demo_problem-m-0", lambda: fd.demo_problem(m=0), ValueError, ["m", "[1, inf)"]),
    (
        "demo_problem-lambd-neg",
        lambda: fd.demo_problem(lambd=-1.0),
        ValueError,
        ["lambd"],
    ),
    (
        "mlp_costs-thetas-int",
        lambda: fd.mlp_costs(
            np.ones((1, 37), int), LAYOUT, PROBLEM.X, PROBLEM.Y, 0.1, 3
        ),
        TypeError,
        ["thetas", "floating"],
    ),
    (
        "mlp_costs-layout-str",
        lambda: fd.mlp_costs(THETAS, "W1", PROBLEM.X, PROBLEM.Y, 0.1, 3),
        TypeError,
        ["layout"],
    ),
    (
        "mlp_costs-Y-shape",
        lambda: fd.mlp_costs(THETAS, LAYOUT, PROBLEM.X, PROBLEM.Y[:, :3], 0.1, 3),
        ValueError,
        ["Y"],
    ),
    (
        "mlp_costs-L-0",
        lambda: fd.mlp_costs(THETAS, LAYOUT, PROBLEM.X, PROBLEM.Y, 0.1, 0),
        ValueError,
        ["L", "[1, inf)"],
    ),
    (
        "mlp_costs-keep_prob-0",
        lambda: fd.mlp_costs(THETAS, LAYOUT, PROBLEM.X, PROBLEM.Y, 0.1, 3, keep_prob=0),
        ValueError,
        ["keep_prob", "(0, 1]"],
    ),
    (
        "mlp_grad-problem-dict",
        lambda: fd.mlp_grad({}),
        TypeError,
        ["problem", "DemoProblem"],
    ),
    ("mlp_grad-bug", lambda: fd.mlp_grad(PROBLEM, bug="typo"), ValueError, ["bug"]),
    (
        "mlp_grad-keep_prob-nan",
        lambda: fd.mlp_grad(PROBLEM, keep_prob=NAN),
        ValueError,
        ["keep_prob", "NaN"],
    ),
    ("mlp_grad-masks-str", lambda: fd.mlp_grad(PROBLEM, "m"), TypeError, ["masks"]),
    (
        "eps_curves-eps-0",
        lambda: fd.eps_curves(PROBLEM, [0.0]),
        ValueError,
        ["eps", "(0, 1)"],
    ),
    (
        "eps_curves-eps-2d",
        lambda: fd.eps_curves(PROBLEM, [[1e-3]]),
        ValueError,
        ["eps", "1-D"],
    ),
    ("eps_curves-problem-None", lambda: fd.eps_curves(None), TypeError, ["problem"]),
    (
        "loglog_slope-err-shape",
        lambda: fd.loglog_slope(EPS, ERR[:3], 1e-8, 1e-2),
        ValueError,
        ["err", "(7)"],
    ),
    (
        "loglog_slope-lo-0",
        lambda: fd.loglog_slope(EPS, ERR, 0.0, 1e-2),
        ValueError,
        ["lo", "(0, inf)"],
    ),
    (
        "loglog_slope-hi-below-lo",
        lambda: fd.loglog_slope(EPS, ERR, 1e-2, 1e-4),
        ValueError,
        ["hi"],
    ),
    ("best_eps-empty", lambda: fd.best_eps([], []), ValueError, ["eps", "empty"]),
    (
        "best_eps-all-nan",
        lambda: fd.best_eps(EPS, np.full(7, NAN)),
        ValueError,
        ["err", "NaN"],
    ),
    ("best_eps-err-str", lambda: fd.best_eps([1.0, 2.0], STR[0]), TypeError, ["err"]),
    (
        "dropout_masks-count-0",
        lambda: fd.dropout_masks(PROBLEM, 0.8, 0, 0),
        ValueError,
        ["count", "[1, inf)"],
    ),
    (
        "dropout_masks-keep_prob-str",
        lambda: fd.dropout_masks(PROBLEM, "0.8", 1, 0),
        TypeError,
        ["keep_prob"],
    ),
    (
        "dropout_masks-seed-None",
        lambda: fd.dropout_masks(PROBLEM, 0.8, 1, None),
        TypeError,
        ["seed"],
    ),
    (
        "dropout_check-fresh-int",
        lambda: fd.dropout_check(PROBLEM, 0.8, fresh=1),
        TypeError,
        ["fresh", "True or False"],
    ),
    (
        "dropout_check-keep_prob-big",
        lambda: fd.dropout_check(PROBLEM, 1.5, fresh=True),
        ValueError,
        ["keep_prob", "(0, 1]"],
    ),
    (
        "dropout_check-eps-inf",
        lambda: fd.dropout_check(PROBLEM, 0.8, fresh=True, eps=INF),
        ValueError,
        ["eps", "finite"],
    ),
    (
        "two_sided-eps-1",
        lambda: fd.two_sided(PROBLEM, 1.0),
        ValueError,
        ["eps", "(0, 1)"],
    ),
    ("two_sided-problem-str", lambda: fd.two_sided("p"), TypeError, ["problem"]),
    (
        "block_errors-list",
        lambda: fd.block_errors([], GRADS),
        TypeError,
        ["approx", "dict"],
    ),
    (
        "block_errors-missing",
        lambda: fd.block_errors({"W9": np.ones(1)}, GRADS),
        ValueError,
        ["grads", "W9"],
    ),
    ("verdict-str", lambda: fd.verdict("1e-3"), TypeError, ["err"]),
    ("verdict-array", lambda: fd.verdict(np.ones(2)), TypeError, ["err", "one number"]),
    (
        "error_at-eps-0",
        lambda: fd.error_at(EPS, ERR, 0.0),
        ValueError,
        ["eps", "(0, inf)"],
    ),
    (
        "error_at-err-shape",
        lambda: fd.error_at(EPS, ERR[:2], 1e-5),
        ValueError,
        ["err", "(7)"],
    ),
    (
        "error_at-floor-neg",
        lambda: fd.error_at(EPS, ERR, 1e-5, floor=-1.0),
        ValueError,
        ["floor"],
    ),
    (
        "bug_table-eps-nan",
        lambda: fd.bug_table(PROBLEM, NAN),
        ValueError,
        ["eps", "NaN"],
    ),
    ("bug_table-problem-None", lambda: fd.bug_table(None), TypeError, ["problem"]),
]

HYPERPARAMETER_SEARCH = [
    (
        "best_trial-shape",
        lambda: hs.best_trial(np.ones((3, 3))),
        ValueError,
        ["points"],
    ),
    (
        "best_trial-empty",
        lambda: hs.best_trial(np.ones((0, 2))),
        ValueError,
        ["points"],
    ),
    ("c2f_objective-1d", lambda: hs.c2f_objective(jnp.ones(2)), ValueError, ["points"]),
    (
        "coarse_to_fine_run-key-None",
        lambda: hs.coarse_to_fine_run(None),
        TypeError,
        ["key"],
    ),
    (
        "coarse_to_fine_run-objective",
        lambda: hs.coarse_to_fine_run(KEY, 3),
        TypeError,
        ["objective", "callable"],
    ),
    (
        "coarse_to_fine_run-grid-1",
        lambda: hs.coarse_to_fine_run(KEY, grid=1),
        ValueError,
        ["grid", "[2, inf)"],
    ),
    (
        "coarse_to_fine_run-shrink",
        lambda: hs.coarse_to_fine_run(KEY, shrink=1.5),
        ValueError,
        ["shrink"],
    ),
    (
        "coarse_to_fine_run-n_trials-float",
        lambda: hs.coarse_to_fine_run(KEY, n_trials=2.5),
        TypeError,
        ["n_trials"],
    ),
    (
        "coarse_to_fine_run-ranges-neg",
        lambda: hs.coarse_to_fine_run(KEY, ranges=((-1.0, 1.0), (1e-4, 1.0))),
        ValueError,
        ["ranges"],
    ),
    (
        "exponent-kind",
        lambda: hs.exponent("gamma", [0.1]),
        ValueError,
        ["kind", "alpha"],
    ),
    ("exponent-x-None", lambda: hs.exponent("alpha", None), TypeError, ["x"]),
    ("grid_vs_random-key-None", lambda: hs.grid_vs_random(None), TypeError, ["key"]),
    (
        "grid_vs_random-k_max-1",
        lambda: hs.grid_vs_random(KEY, 1),
        ValueError,
        ["k_max"],
    ),
    (
        "scale_histograms-kind",
        lambda: hs.scale_histograms("a", [np.ones(3)], [0.0, 1.0], [(0, 1)]),
        ValueError,
        ["kind"],
    ),
    (
        "scale_histograms-samples-str",
        lambda: hs.scale_histograms("alpha", "abc", [0.0, 1.0], [(0, 1)]),
        TypeError,
        ["samples"],
    ),
    (
        "scale_histograms-empty-sample",
        lambda: hs.scale_histograms("alpha", [np.ones(0)], [0.0, 1.0], [(0, 1)]),
        ValueError,
        ["samples[0]", "empty"],
    ),
    (
        "scale_histograms-edges",
        lambda: hs.scale_histograms("alpha", [np.ones(3)], [1.0, 0.0], [(0, 1)]),
        ValueError,
        ["edges", "increasing"],
    ),
    (
        "scale_histograms-decades",
        lambda: hs.scale_histograms("alpha", [np.ones(3)], [0.0, 1.0], [0, 1]),
        ValueError,
        ["decades"],
    ),
    (
        "scale_samples-key-batch",
        lambda: hs.scale_samples(KEYS),
        ValueError,
        ["key", "batch"],
    ),
    ("scale_samples-n_max-0", lambda: hs.scale_samples(KEY, 0), ValueError, ["n_max"]),
    ("score_2d-str", lambda: hs.score_2d("0.5", 0.1), TypeError, ["x"]),
    ("score_2d-y-cplx", lambda: hs.score_2d(0.5, CPLX), TypeError, ["y", "complex"]),
    (
        "train_in_parallel-key-None",
        lambda: hs.train_in_parallel(None, REG_X, REG_Y, NET, train.Hyper()),
        TypeError,
        ["key"],
    ),
    (
        "train_in_parallel-hps-dict",
        lambda: hs.train_in_parallel(KEY, REG_X, REG_Y, NET, {"learning_rate": 0.1}),
        TypeError,
        ["hps", "Hyper"],
    ),
    (
        "train_in_parallel-chunk-0",
        lambda: hs.train_in_parallel(KEY, REG_X, REG_Y, NET, train.Hyper(), chunk=0),
        ValueError,
        ["chunk"],
    ),
    (
        "train_in_parallel-chunk-multiple",
        lambda: hs.train_in_parallel(
            KEY, REG_X, REG_Y, NET, train.Hyper(learning_rate=jnp.ones(3)), chunk=2
        ),
        ValueError,
        ["chunk"],
    ),
    (
        "train_in_parallel-progress",
        lambda: hs.train_in_parallel(
            KEY, REG_X, REG_Y, NET, train.Hyper(learning_rate=jnp.ones(2)), progress=1
        ),
        TypeError,
        ["progress"],
    ),
]

NORMALIZING_INPUTS = [
    (
        "contour_ellipses-H-shape",
        lambda: ni.contour_ellipses(np.eye(3)),
        ValueError,
        ["H", "(2, 2)"],
    ),
    (
        "contour_ellipses-H-inf",
        lambda: ni.contour_ellipses(np.array([[1.0, 0.0], [0.0, INF]])),
        ValueError,
        ["H", "inf"],
    ),
    (
        "contour_ellipses-levels-neg",
        lambda: ni.contour_ellipses(H, [-1.0]),
        ValueError,
        ["levels"],
    ),
    (
        "contour_ellipses-points-float",
        lambda: ni.contour_ellipses(H, points=10.5),
        TypeError,
        ["points", "integer"],
    ),
    ("descend-key-None", lambda: ni.descend(None, 5.0), TypeError, ["key"]),
    ("descend-ratio-big", lambda: ni.descend(KEY, 1e9), ValueError, ["ratio"]),
    ("descend-rule", lambda: ni.descend(KEY, 5.0, "fast"), ValueError, ["rule"]),
    ("descend-tol-0", lambda: ni.descend(KEY, 5.0, tol=0.0), ValueError, ["tol"]),
    (
        "descend-m-float",
        lambda: ni.descend(KEY, 5.0, m=10.0),
        TypeError,
        ["m", "integer"],
    ),
    (
        "descend-num_steps-0",
        lambda: ni.descend(KEY, 5.0, num_steps=0),
        ValueError,
        ["num_steps"],
    ),
    (
        "hessian_eigs-shape",
        lambda: ni.hessian_eigs(jnp.ones((3, 3))),
        ValueError,
        ["H"],
    ),
    ("hessian_eigs-str", lambda: ni.hessian_eigs(STR), TypeError, ["H"]),
    (
        "learning_rates-lam",
        lambda: ni.learning_rates(jnp.ones(2), 0),
        ValueError,
        ["lam"],
    ),
    (
        "learning_rates-rule-3",
        lambda: ni.learning_rates(LAM, 3),
        ValueError,
        ["rule", "[0, 2]"],
    ),
    (
        "learning_rates-rule-float",
        lambda: ni.learning_rates(LAM, 0.5),
        TypeError,
        ["rule"],
    ),
    ("make_data-key-batch", lambda: ni.make_data(KEYS), ValueError, ["key", "batch"]),
    (
        "make_data-ratio-nan",
        lambda: ni.make_data(KEY, NAN),
        ValueError,
        ["ratio", "NaN"],
    ),
    ("make_data-m-2", lambda: ni.make_data(KEY, m=2), ValueError, ["m", "[3, inf)"]),
    (
        "make_data-noise-neg",
        lambda: ni.make_data(KEY, noise=-0.1),
        ValueError,
        ["noise"],
    ),
]

OPTIMIZERS = [
    ("contour_grids-list", lambda: opt.contour_grids([QUAD]), TypeError, ["surfaces"]),
    (
        "contour_grids-value",
        lambda: opt.contour_grids({"q": 1}),
        TypeError,
        ["surfaces['q']", "Surface"],
    ),
    ("contour_grids-n-1", lambda: opt.contour_grids({"q": QUAD}, 1), ValueError, ["n"]),
    ("contour_levels-Z-str", lambda: opt.contour_levels(STR, 0.0), TypeError, ["Z"]),
    (
        "contour_levels-f_min-nan",
        lambda: opt.contour_levels(np.ones((2, 2)), NAN),
        ValueError,
        ["f_min"],
    ),
    (
        "contour_levels-num-1",
        lambda: opt.contour_levels(np.ones((2, 2)), 0.0, 1),
        ValueError,
        ["num", "[2, inf)"],
    ),
    (
        "contour_levels-all-nan",
        lambda: opt.contour_levels(np.full((2, 2), NAN), 0.0),
        ValueError,
        ["Z", "finite"],
    ),
    (
        "elongated_quadratic-kappa-0",
        lambda: opt.elongated_quadratic(0.5),
        ValueError,
        ["kappa", "[1, inf)"],
    ),
    (
        "elongated_quadratic-kappa-inf",
        lambda: opt.elongated_quadratic(INF),
        ValueError,
        ["kappa"],
    ),
    ("grid-surface", lambda: opt.grid("quadratic"), TypeError, ["surface", "Surface"]),
    ("grid-n-float", lambda: opt.grid(QUAD, 10.5), TypeError, ["n", "integer"]),
    (
        "optimizer_paths-surface",
        lambda: opt.optimizer_paths(None, (0.0, 0.0)),
        TypeError,
        ["surface"],
    ),
    (
        "optimizer_paths-start-shape",
        lambda: opt.optimizer_paths(QUAD, (0.0, 0.0, 0.0)),
        ValueError,
        ["start"],
    ),
    (
        "optimizer_paths-num_steps-0",
        lambda: opt.optimizer_paths(QUAD, (0.0, 0.0), num_steps=0),
        ValueError,
        ["num_steps"],
    ),
    (
        "optimizer_paths-bias_correction-str",
        lambda: opt.optimizer_paths(QUAD, (0.0, 0.0), bias_correction="yes"),
        TypeError,
        ["bias_correction"],
    ),
    (
        "optimizer_paths-schedule",
        lambda: opt.optimizer_paths(QUAD, (0.0, 0.0), schedule="cosine"),
        ValueError,
        ["schedule"],
    ),
    (
        "optimizer_paths-hp-dict",
        lambda: opt.optimizer_paths(QUAD, (0.0, 0.0), {"alpha": 0.1}),
        TypeError,
        ["hp", "PathHyper"],
    ),
    (
        "optimizer_paths-beta1-1",
        lambda: opt.optimizer_paths(QUAD, (0.0, 0.0), opt.PathHyper(beta1=1.0)),
        ValueError,
        ["beta1", "[0, 1)"],
    ),
    (
        "optimizer_paths-alpha-inf",
        lambda: opt.optimizer_paths(QUAD, (0.0, 0.0), opt.PathHyper(alpha=INF)),
        ValueError,
        ["alpha", "finite"],
    ),
    ("rosenbrock-b-0", lambda: opt.rosenbrock(b=0.0), ValueError, ["b", "(0, inf)"]),
    ("rosenbrock-a-str", lambda: opt.rosenbrock("1"), TypeError, ["a"]),
    ("saddle-int", lambda: opt.saddle(1), TypeError, ["bounded"]),
]

REGULARIZATION = [
    (
        "add_noise-key-None",
        lambda: reg.add_noise(None, IMAGES, 0.1),
        TypeError,
        ["key"],
    ),
    (
        "add_noise-sigma-neg",
        lambda: reg.add_noise(KEY, IMAGES, -0.1),
        ValueError,
        ["sigma", "[0, inf)"],
    ),
    ("add_noise-X-str", lambda: reg.add_noise(KEY, STR, 0.1), TypeError, ["X"]),
    (
        "augment_dataset-copies-neg",
        lambda: reg.augment_dataset(KEY, IMAGES, jnp.ones((1, 3)), -1),
        ValueError,
        ["copies"],
    ),
    (
        "augment_dataset-Y-shape",
        lambda: reg.augment_dataset(KEY, IMAGES, jnp.ones((1, 2)), 1),
        ValueError,
        ["Y"],
    ),
    (
        "augment_dataset-X-rows",
        lambda: reg.augment_dataset(KEY, REG_X, REG_Y, 1),
        ValueError,
        ["X", "64"],
    ),
    (
        "augmentation_effect-key-batch",
        lambda: reg.augmentation_effect(KEYS),
        ValueError,
        ["key", "batch"],
    ),
    (
        "augmentation_effect-m_train-big",
        lambda: reg.augmentation_effect(KEY, m_train=5000),
        ValueError,
        ["m_train"],
    ),
    (
        "augmentation_effect-splits-empty",
        lambda: reg.augmentation_effect(KEY, splits=()),
        ValueError,
        ["splits"],
    ),
    (
        "augmented_copies-key-None",
        lambda: reg.augmented_copies(None, IMAGES, 1),
        TypeError,
        ["key"],
    ),
    (
        "augmented_copies-copies-float",
        lambda: reg.augmented_copies(KEY, IMAGES, 1.5),
        TypeError,
        ["copies", "integer"],
    ),
    (
        "augmented_copies-X-rows",
        lambda: reg.augmented_copies(KEY, REG_X, 1),
        ValueError,
        ["X", "64"],
    ),
    (
        "bayes_error_moons-noise-0",
        lambda: reg.bayes_error_moons(0.0),
        ValueError,
        ["noise", "(0, inf)"],
    ),
    (
        "bayes_error_moons-grid-float",
        lambda: reg.bayes_error_moons(0.3, grid=20.5),
        TypeError,
        ["grid"],
    ),
    (
        "bias_variance_table-key-None",
        lambda: reg.bias_variance_table(
            None, REG_X, REG_Y, REG_X, REG_Y, [(2, 1)], 0.0
        ),
        TypeError,
        ["key"],
    ),
    (
        "bias_variance_table-sizes-empty",
        lambda: reg.bias_variance_table(KEY, REG_X, REG_Y, REG_X, REG_Y, [], 0.0),
        ValueError,
        ["sizes"],
    ),
    (
        "bias_variance_table-sizes-float",
        lambda: reg.bias_variance_table(
            KEY, REG_X, REG_Y, REG_X, REG_Y, [(2, 3.5, 1)], 0.0
        ),
        TypeError,
        ["sizes[0][1]", "integer"],
    ),
    (
        "bias_variance_table-Y_dev-shape",
        lambda: reg.bias_variance_table(
            KEY, REG_X, REG_Y, REG_X, REG_Y[:, :2], [(2, 1)], 0.0
        ),
        ValueError,
        ["Y_dev"],
    ),
    (
        "bias_variance_table-base_error",
        lambda: reg.bias_variance_table(KEY, REG_X, REG_Y, REG_X, REG_Y, [(2, 1)], 1.5),
        ValueError,
        ["base_error", "[0, 1]"],
    ),
    (
        "bias_variance_table-learning_rate",
        lambda: reg.bias_variance_table(
            KEY, REG_X, REG_Y, REG_X, REG_Y, [(2, 1)], 0.0, learning_rate=0.0
        ),
        ValueError,
        ["learning_rate", "(0, inf)"],
    ),
    (
        "diagnose-train_error-nan",
        lambda: reg.diagnose(NAN, 0.1),
        ValueError,
        ["train_error"],
    ),
    (
        "diagnose-dev_error-str",
        lambda: reg.diagnose(0.1, "0.2"),
        TypeError,
        ["dev_error"],
    ),
    (
        "diagnose-array",
        lambda: reg.diagnose(np.array([0.1, 0.2]), 0.1),
        ValueError,
        ["train_error", "single number"],
    ),
    (
        "diagnosis_code-bias_tol",
        lambda: reg.diagnosis_code(0.1, 0.2, bias_tol=2.0),
        ValueError,
        ["bias_tol", "[0, 1]"],
    ),
    (
        "diagnosis_code-variance_tol-None",
        lambda: reg.diagnosis_code(0.1, 0.2, variance_tol=None),
        TypeError,
        ["variance_tol"],
    ),
    (
        "early_stopping-patience-0",
        lambda: reg.early_stopping([1.0, 2.0], 0),
        ValueError,
        ["patience"],
    ),
    (
        "early_stopping-empty",
        lambda: reg.early_stopping([], 2),
        ValueError,
        ["dev_cost"],
    ),
    (
        "early_stopping-2d",
        lambda: reg.early_stopping(np.ones((2, 2)), 2),
        ValueError,
        ["dev_cost", "1-D"],
    ),
    (
        "near_zero_fraction-tol-0",
        lambda: reg.near_zero_fraction(REG_PARAMS, 0.0),
        ValueError,
        ["tol", "(0, inf)"],
    ),
    (
        "near_zero_fraction-params-list",
        lambda: reg.near_zero_fraction([1.0]),
        TypeError,
        ["params", "dict"],
    ),
    (
        "random_augment-max_angle",
        lambda: reg.random_augment(KEY, IMAGES, max_angle=180.0),
        ValueError,
        ["max_angle", "[0, 90]"],
    ),
    (
        "random_augment-key-batch",
        lambda: reg.random_augment(KEYS, IMAGES),
        ValueError,
        ["key", "batch"],
    ),
    (
        "random_augment-X-int",
        lambda: reg.random_augment(KEY, jnp.ones((64, 2), int)),
        TypeError,
        ["X", "floating"],
    ),
    ("snap-value-nan", lambda: reg.snap(NAN, [0.0, 0.1]), ValueError, ["value", "NaN"]),
    ("snap-grid-empty", lambda: reg.snap(0.1, []), ValueError, ["grid"]),
    ("snap-grid-str", lambda: reg.snap(0.1, STR[0]), TypeError, ["grid"]),
    (
        "train_early_stopping-key-None",
        lambda: reg.train_early_stopping(None),
        TypeError,
        ["key"],
    ),
    (
        "train_early_stopping-m_train-float",
        lambda: reg.train_early_stopping(KEY, m_train=10.5),
        TypeError,
        ["m_train", "integer"],
    ),
    (
        "train_early_stopping-eval_every",
        lambda: reg.train_early_stopping(KEY, num_steps=10, eval_every=20),
        ValueError,
        ["eval_every", "[1, 10]"],
    ),
    (
        "train_early_stopping-layer_dims",
        lambda: reg.train_early_stopping(KEY, layer_dims=(3, 8, 1)),
        ValueError,
        ["layer_dims"],
    ),
    (
        "train_early_stopping-learning_rate-inf",
        lambda: reg.train_early_stopping(KEY, learning_rate=INF),
        ValueError,
        ["learning_rate", "finite"],
    ),
    ("train_grid-key-None", lambda: reg.train_grid(None), TypeError, ["key"]),
    (
        "train_grid-mesh",
        lambda: reg.train_grid(KEY, mesh=4),
        ValueError,
        ["mesh", "[8, 200]"],
    ),
    (
        "train_grid-keep_probs",
        lambda: reg.train_grid(KEY, keep_probs=(0.0, 1.0)),
        ValueError,
        ["keep_probs", "(0, 1]"],
    ),
    (
        "train_grid-lambds-empty",
        lambda: reg.train_grid(KEY, lambds=()),
        ValueError,
        ["lambds"],
    ),
    (
        "train_grid-noise-nan",
        lambda: reg.train_grid(KEY, noise=NAN),
        ValueError,
        ["noise", "NaN"],
    ),
    (
        "train_grid-progress",
        lambda: reg.train_grid(KEY, progress="bar"),
        TypeError,
        ["progress", "callable"],
    ),
    (
        "warp-X-1d",
        lambda: reg.warp(jnp.ones(64), 0.0, jnp.zeros((2, 1))),
        ValueError,
        ["X"],
    ),
    (
        "warp-shift-shape",
        lambda: reg.warp(IMAGES, 0.0, jnp.zeros((2, 2))),
        ValueError,
        ["shift", "(2, 3)"],
    ),
    (
        "warp-angle-str",
        lambda: reg.warp(IMAGES, "0", jnp.zeros((2, 3))),
        TypeError,
        ["angle"],
    ),
    ("weight_norm-params-None", lambda: reg.weight_norm(None), TypeError, ["params"]),
    (
        "weight_vector-no-W",
        lambda: reg.weight_vector({"b1": jnp.ones(2)}),
        ValueError,
        ["params"],
    ),
    (
        "weight_vector-cplx",
        lambda: reg.weight_vector({"W1": CPLX}),
        TypeError,
        ["params['W1']", "complex"],
    ),
]

VANISHING_EXPLODING = [
    (
        "activation_theory-activation",
        lambda: ve.activation_theory("elu", 1.0, 5, 1.0),
        ValueError,
        ["activation"],
    ),
    (
        "activation_theory-num_layers-0",
        lambda: ve.activation_theory("relu", 1.0, 0, 1.0),
        ValueError,
        ["num_layers"],
    ),
    (
        "activation_theory-anchor-nan",
        lambda: ve.activation_theory("relu", 1.0, 5, NAN),
        ValueError,
        ["anchor"],
    ),
    (
        "backward_factor-scale-neg",
        lambda: ve.backward_factor("relu", -1.0),
        ValueError,
        ["scale"],
    ),
    (
        "backward_factor-activation",
        lambda: ve.backward_factor(None, 1.0),
        ValueError,
        ["activation"],
    ),
    (
        "clip_start-seed-float",
        lambda: ve.clip_start(0.5),
        TypeError,
        ["seed", "integer"],
    ),
    ("deep_draws-key-None", lambda: ve.deep_draws(None), TypeError, ["key"]),
    ("deep_draws-width-0", lambda: ve.deep_draws(KEY, width=0), ValueError, ["width"]),
    (
        "deep_draws-m-float",
        lambda: ve.deep_draws(KEY, m=3.5),
        TypeError,
        ["m", "integer"],
    ),
    (
        "deep_mlp_stats-scale-inf",
        lambda: ve.deep_mlp_stats(KEY, INF, 3),
        ValueError,
        ["scale", "finite"],
    ),
    (
        "deep_mlp_stats-depth-big",
        lambda: ve.deep_mlp_stats(KEY, 1.0, 60),
        ValueError,
        ["depth", "[1, 50]"],
    ),
    (
        "deep_mlp_stats-activation",
        lambda: ve.deep_mlp_stats(KEY, 1.0, 3, activation="elu"),
        ValueError,
        ["activation"],
    ),
    (
        "deep_mlp_stats-key-batch",
        lambda: ve.deep_mlp_stats(KEYS, 1.0, 3),
        ValueError,
        ["key", "batch"],
    ),
    (
        "deep_stats_summary-stats",
        lambda: ve.deep_stats_summary({}, 2),
        TypeError,
        ["stats", "DeepStats"],
    ),
    (
        "deep_stats_summary-depth-big",
        lambda: ve.deep_stats_summary(DEEP_STATS, 6),
        ValueError,
        ["depth", "[1, 5]"],
    ),
    ("fast_key-None", lambda: ve.fast_key(None), TypeError, ["key"]),
    ("fast_key-batch", lambda: ve.fast_key(KEYS), ValueError, ["key", "batch"]),
    (
        "first_nonfinite-2d",
        lambda: ve.first_nonfinite(np.ones((2, 2))),
        ValueError,
        ["values"],
    ),
    ("first_nonfinite-str", lambda: ve.first_nonfinite(STR[0]), TypeError, ["values"]),
    (
        "forward_factor-scale-str",
        lambda: ve.forward_factor("relu", "1"),
        TypeError,
        ["scale"],
    ),
    (
        "gradient_theory-num_layers-float",
        lambda: ve.gradient_theory("relu", 1.0, 2.5, 1.0),
        TypeError,
        ["num_layers", "integer"],
    ),
    (
        "gradient_theory-scale-nan",
        lambda: ve.gradient_theory("relu", NAN, 3, 1.0),
        ValueError,
        ["scale", "NaN"],
    ),
    (
        "gradient_theory-mean_field-str",
        lambda: ve.gradient_theory("sigmoid", 1.0, 3, 1.0, mean_field="yes"),
        TypeError,
        ["mean_field"],
    ),
    (
        "init_weights-scheme",
        lambda: ve.init_weights(KEY, "kaiming", 1.0, 2, 3),
        ValueError,
        ["scheme"],
    ),
    (
        "init_weights-width-0",
        lambda: ve.init_weights(KEY, "he", 1.0, 2, 0),
        ValueError,
        ["width"],
    ),
    (
        "init_weights-key-batch",
        lambda: ve.init_weights(KEYS, "he", 1.0, 2, 3),
        ValueError,
        ["key", "batch"],
    ),
    (
        "layer_histograms-scheme",
        lambda: ve.layer_histograms(KEY, "kaiming"),
        ValueError,
        ["scheme"],
    ),
    (
        "layer_histograms-scale-neg",
        lambda: ve.layer_histograms(KEY, "he", -1.0),
        ValueError,
        ["scale"],
    ),
    (
        "layer_histograms-bins-0",
        lambda: ve.layer_histograms(KEY, "he", bins=0),
        ValueError,
        ["bins"],
    ),
    (
        "layer_variances-activation",
        lambda: ve.layer_variances(KEYS, "he", activation="elu"),
        ValueError,
        ["activation"],
    ),
    (
        "layer_variances-keys-one",
        lambda: ve.layer_variances(KEY, "he"),
        ValueError,
        ["keys"],
    ),
    (
        "layer_variances-width-float",
        lambda: ve.layer_variances(KEYS, "he", width=2.5),
        TypeError,
        ["width"],
    ),
    (
        "linear_chain-w-inf",
        lambda: ve.linear_chain(INF),
        ValueError,
        ["w", "finite"],
    ),
    (
        "linear_chain-dtype",
        lambda: ve.linear_chain(1.1, dtype="int8"),
        ValueError,
        ["dtype"],
    ),
    (
        "linear_chain-max_depth-0",
        lambda: ve.linear_chain(1.1, max_depth=0),
        ValueError,
        ["max_depth"],
    ),
    ("net_draws-key-None", lambda: ve.net_draws(None), TypeError, ["key"]),
    (
        "net_draws-num_layers-0",
        lambda: ve.net_draws(KEY, num_layers=0),
        ValueError,
        ["num_layers"],
    ),
    ("overflow_depth-w-nan", lambda: ve.overflow_depth(NAN), ValueError, ["w", "NaN"]),
    (
        "overflow_depth-dtype",
        lambda: ve.overflow_depth(2.0, dtype="int8"),
        ValueError,
        ["dtype"],
    ),
    ("safe_norm-str", lambda: ve.safe_norm("x"), TypeError, ["x"]),
    (
        "safe_norm-axis-big",
        lambda: ve.safe_norm(jnp.ones(3), axis=1),
        ValueError,
        ["axis"],
    ),
    ("safe_std-cplx", lambda: ve.safe_std(CPLX), TypeError, ["x", "complex"]),
    (
        "safe_std-axis-float",
        lambda: ve.safe_std(jnp.ones(3), axis=0.5),
        TypeError,
        ["axis"],
    ),
    (
        "sigmoid_mean_field-scale-0",
        lambda: ve.sigmoid_mean_field(0.0),
        ValueError,
        ["scale", "(0, 1000]"],
    ),
    (
        "sigmoid_mean_field-nodes-2",
        lambda: ve.sigmoid_mean_field(1.0, nodes=2),
        ValueError,
        ["nodes"],
    ),
    (
        "train_record-learning_rate-0",
        lambda: ve.train_record(NET_PARAMS, REG_X, REG_Y, NET, learning_rate=0.0),
        ValueError,
        ["learning_rate", "(0, inf)"],
    ),
    (
        "train_record-config",
        lambda: ve.train_record(NET_PARAMS, REG_X, REG_Y, (2, 3, 1)),
        TypeError,
        ["config", "MLPConfig"],
    ),
    (
        "train_record-X-rows",
        lambda: ve.train_record(NET_PARAMS, jnp.ones((3, 6)), REG_Y, NET),
        ValueError,
        ["X"],
    ),
    (
        "train_record-params-None",
        lambda: ve.train_record(None, REG_X, REG_Y, NET),
        TypeError,
        ["params"],
    ),
    (
        "train_scalar_chain-threshold-0",
        lambda: ve.train_scalar_chain(ve.clip_start(), 0.01, 0.0, True),
        ValueError,
        ["threshold"],
    ),
    (
        "train_scalar_chain-mode",
        lambda: ve.train_scalar_chain(ve.clip_start(), 0.01, 1.0, True, mode="l1"),
        ValueError,
        ["mode"],
    ),
    (
        "train_scalar_chain-clip_on-str",
        lambda: ve.train_scalar_chain(ve.clip_start(), 0.01, 1.0, "yes"),
        TypeError,
        ["clip_on"],
    ),
    (
        "train_scalar_chain-w0-cplx",
        lambda: ve.train_scalar_chain(CPLX, 0.01, 1.0, True),
        TypeError,
        ["w0"],
    ),
    (
        "train_schemes-key-None",
        lambda: ve.train_schemes(None, REG_X, REG_Y, NET),
        TypeError,
        ["key"],
    ),
    (
        "train_schemes-schemes",
        lambda: ve.train_schemes(KEY, REG_X, REG_Y, NET, schemes=("he", "lecun")),
        ValueError,
        ["schemes"],
    ),
    (
        "train_schemes-schemes-str",
        lambda: ve.train_schemes(KEY, REG_X, REG_Y, NET, schemes="he"),
        TypeError,
        ["schemes"],
    ),
    (
        "train_schemes-Y-shape",
        lambda: ve.train_schemes(KEY, REG_X, jnp.ones((1, 2)), NET),
        ValueError,
        ["Y"],
    ),
]

# ------------------------------------------------- panels and static figures
# Every row fails on its first check, before a widget or a figure is built.
PANELS_BATCHNORM = [
    ("hist_panel-depth-0", lambda: pbn.hist_panel(depth=0), ValueError, ["depth"]),
    ("hist_panel-seed-str", lambda: pbn.hist_panel(seed="1"), TypeError, ["seed"]),
    (
        "lr_panel-alphas-neg",
        lambda: pbn.lr_panel(alphas=[-0.1, 1.0]),
        ValueError,
        ["alphas"],
    ),
    (
        "lr_panel-index-neg",
        lambda: pbn.lr_panel(index=-1),
        ValueError,
        ["index", "[0, inf)"],
    ),
    (
        "lr_panel-num_steps-0",
        lambda: pbn.lr_panel(num_steps=0),
        ValueError,
        ["num_steps"],
    ),
    ("plot_ema_gap-dict", lambda: pbn.plot_ema_gap({}), TypeError, ["gap", "EmaGap"]),
]

PANELS_EWA = [
    (
        "ewa_panel-beta-2",
        lambda: pewa.ewa_panel(beta=2.0),
        ValueError,
        ["beta", "[0.5, 0.999]"],
    ),
    (
        "ewa_panel-beta-nan",
        lambda: pewa.ewa_panel(beta=NAN),
        ValueError,
        ["beta", "NaN"],
    ),
    ("ewa_panel-days-0", lambda: pewa.ewa_panel(days=0), ValueError, ["days"]),
    ("ewa_panel-noise-inf", lambda: pewa.ewa_panel(noise=INF), ValueError, ["noise"]),
    ("ewa_panel-seed-neg", lambda: pewa.ewa_panel(seed=-1), ValueError, ["seed"]),
    ("ewa_panel-yours-int", lambda: pewa.ewa_panel(yours=3), TypeError, ["yours"]),
]

PANELS_GRADCHECK = [
    ("eps_panel-eps-1", lambda: pgc.eps_panel(eps=1.0), ValueError, ["eps"]),
    ("eps_panel-seed-float", lambda: pgc.eps_panel(seed=0.5), TypeError, ["seed"]),
    ("bug_panel-bug", lambda: pgc.bug_panel(bug="typo"), ValueError, ["bug"]),
    ("bug_panel-seed-None", lambda: pgc.bug_panel(seed=None), TypeError, ["seed"]),
    (
        "dropout_panel-keep_prob",
        lambda: pgc.dropout_panel(keep_prob=0.2),
        ValueError,
        ["keep_prob"],
    ),
    (
        "dropout_panel-fresh-str",
        lambda: pgc.dropout_panel(fresh="no"),
        TypeError,
        ["fresh"],
    ),
]

PANELS_INITIALIZATION = [
    (
        "init_panel-scheme",
        lambda: pinit.init_panel(scheme="lecun"),
        ValueError,
        ["scheme"],
    ),
    (
        "init_panel-scale-big",
        lambda: pinit.init_panel(scale=20.0),
        ValueError,
        ["scale", "[0.1, 10]"],
    ),
    (
        "init_panel-activation",
        lambda: pinit.init_panel(activation="elu"),
        ValueError,
        ["activation"],
    ),
    (
        "training_panel-seed-neg",
        lambda: pinit.training_panel(seed=-1),
        ValueError,
        ["seed"],
    ),
    (
        "training_panel-scheme",
        lambda: pinit.training_panel(scheme="x"),
        ValueError,
        ["scheme"],
    ),
]

PANELS_MINIBATCH = [
    (
        "minibatch_panel-m-1",
        lambda: pmb.minibatch_panel(m=1),
        ValueError,
        ["m", "[2, inf)"],
    ),
    (
        "minibatch_panel-epochs-float",
        lambda: pmb.minibatch_panel(epochs=2.5),
        TypeError,
        ["epochs"],
    ),
    (
        "minibatch_panel-learning_rate-neg",
        lambda: pmb.minibatch_panel(learning_rate=-0.1),
        ValueError,
        ["learning_rate"],
    ),
    (
        "minibatch_panel-batch_sizes-big",
        lambda: pmb.minibatch_panel(m=20, batch_sizes=[4, 40]),
        ValueError,
        ["batch_sizes", "[1, 20]"],
    ),
    (
        "minibatch_panel-w0-nan",
        lambda: pmb.minibatch_panel(w0=(NAN, 0.0)),
        ValueError,
        ["w0", "NaN"],
    ),
    (
        "minibatch_panel-data_seed",
        lambda: pmb.minibatch_panel(data_seed="0"),
        TypeError,
        ["data_seed"],
    ),
]

PANELS_NORMALIZING = [
    (
        "normalizing_panel-ratio",
        lambda: pnorm.normalizing_panel(ratio=1e9),
        ValueError,
        ["ratio"],
    ),
    (
        "normalizing_panel-rule",
        lambda: pnorm.normalizing_panel(rule="adam"),
        ValueError,
        ["rule"],
    ),
    (
        "normalizing_panel-m-float",
        lambda: pnorm.normalizing_panel(m=10.5),
        TypeError,
        ["m"],
    ),
    (
        "normalizing_panel-seed-neg",
        lambda: pnorm.normalizing_panel(seed=-2),
        ValueError,
        ["seed"],
    ),
]

PANELS_OPTIMIZERS = [
    (
        "optimizer_panel-surface",
        lambda: popt.optimizer_panel(surface="bowl"),
        ValueError,
        ["surface"],
    ),
    (
        "optimizer_panel-num_steps-0",
        lambda: popt.optimizer_panel(num_steps=0),
        ValueError,
        ["num_steps"],
    ),
    (
        "optimizer_panel-grid_n-1",
        lambda: popt.optimizer_panel(grid_n=1),
        ValueError,
        ["grid_n"],
    ),
    (
        "optimizer_panel-surfaces-list",
        lambda: popt.optimizer_panel(surfaces=[QUAD]),
        TypeError,
        ["surfaces"],
    ),
    (
        "optimizer_panel-yours-str",
        lambda: popt.optimizer_panel(yours="adam"),
        TypeError,
        ["yours"],
    ),
]

PANELS_REGULARIZATION = [
    (
        "diagnosis_panel-emax-0",
        lambda: preg.diagnosis_panel(emax=0.0),
        ValueError,
        ["emax"],
    ),
    (
        "diagnosis_panel-train_error",
        lambda: preg.diagnosis_panel(train_error=0.5),
        ValueError,
        ["train_error", "[0, 0.4]"],
    ),
    (
        "diagnosis_panel-base-nan",
        lambda: preg.diagnosis_panel(base=NAN),
        ValueError,
        ["base"],
    ),
    (
        "diagnosis_panel-bias_tol-str",
        lambda: preg.diagnosis_panel(bias_tol="a"),
        TypeError,
        ["bias_tol"],
    ),
    (
        "regularization_panel-reg",
        lambda: preg.regularization_panel(reg="l3"),
        ValueError,
        ["reg"],
    ),
    (
        "regularization_panel-lambd",
        lambda: preg.regularization_panel(lambd=-1.0),
        ValueError,
        ["lambd"],
    ),
    (
        "regularization_panel-keep_prob",
        lambda: preg.regularization_panel(keep_prob=0.0),
        ValueError,
        ["keep_prob", "(0, 1]"],
    ),
    (
        "regularization_panel-grid",
        lambda: preg.regularization_panel(grid={}),
        TypeError,
        ["grid", "RegGrid"],
    ),
    (
        "regularization_panel-progress",
        lambda: preg.regularization_panel(progress=1),
        TypeError,
        ["progress", "True or False"],
    ),
    (
        "early_stopping_panel-patience-0",
        lambda: preg.early_stopping_panel(patience=0),
        ValueError,
        ["patience"],
    ),
    (
        "early_stopping_panel-run",
        lambda: preg.early_stopping_panel(run=[1.0]),
        TypeError,
        ["run"],
    ),
    (
        "augmentation_panel-copies-neg",
        lambda: preg.augmentation_panel(copies=-1),
        ValueError,
        ["copies"],
    ),
    (
        "augmentation_panel-n_digits-0",
        lambda: preg.augmentation_panel(n_digits=0),
        ValueError,
        ["n_digits"],
    ),
]

PANELS_SEARCH = [
    (
        "grid_vs_random_panel-k-big",
        lambda: psearch.grid_vs_random_panel(k=11),
        ValueError,
        ["k", "[2, 10]"],
    ),
    (
        "grid_vs_random_panel-k_max-1",
        lambda: psearch.grid_vs_random_panel(k_max=1),
        ValueError,
        ["k_max"],
    ),
    (
        "sampling_scale_panel-n-big",
        lambda: psearch.sampling_scale_panel(n=6000),
        ValueError,
        ["n", "5000"],
    ),
    (
        "sampling_scale_panel-scale",
        lambda: psearch.sampling_scale_panel(scale="gamma"),
        ValueError,
        ["scale"],
    ),
    (
        "sampling_scale_panel-seed-float",
        lambda: psearch.sampling_scale_panel(seed=1.5),
        TypeError,
        ["seed"],
    ),
    (
        "coarse_to_fine_panel-objective",
        lambda: psearch.coarse_to_fine_panel(objective=1),
        TypeError,
        ["objective"],
    ),
    (
        "coarse_to_fine_panel-n_rounds-0",
        lambda: psearch.coarse_to_fine_panel(n_rounds=0),
        ValueError,
        ["n_rounds"],
    ),
]

PANELS_SOFTMAX = [
    (
        "temperature_panel-T-0",
        lambda: psm.temperature_panel(T=0.0),
        ValueError,
        ["T", "[0.01, 100]"],
    ),
    (
        "temperature_panel-z-nan",
        lambda: psm.temperature_panel(z=(1.0, NAN)),
        ValueError,
        ["z", "NaN"],
    ),
    (
        "temperature_panel-z-one",
        lambda: psm.temperature_panel(z=(1.0,)),
        ValueError,
        ["z"],
    ),
    (
        "temperature_panel-zmax-inf",
        lambda: psm.temperature_panel(zmax=INF),
        ValueError,
        ["zmax"],
    ),
    (
        "temperature_panel-yours-int",
        lambda: psm.temperature_panel(yours=1),
        TypeError,
        ["yours"],
    ),
    ("digits_panel-seed-neg", lambda: psm.digits_panel(seed=-1), ValueError, ["seed"]),
    (
        "digits_panel-hidden-0",
        lambda: psm.digits_panel(hidden=0),
        ValueError,
        ["hidden"],
    ),
]

PANELS_VANISHING = [
    (
        "chain_panel-w-big",
        lambda: pvan.chain_panel(w=2.0),
        ValueError,
        ["w", "[0.5, 1.5]"],
    ),
    (
        "chain_panel-L-big",
        lambda: pvan.chain_panel(L=500),
        ValueError,
        ["L", "[1, 200]"],
    ),
    (
        "chain_panel-dtype",
        lambda: pvan.chain_panel(dtype="float8"),
        ValueError,
        ["dtype"],
    ),
    (
        "clipping_panel-clip-int",
        lambda: pvan.clipping_panel(clip=1),
        TypeError,
        ["clip"],
    ),
    (
        "clipping_panel-threshold-0",
        lambda: pvan.clipping_panel(threshold=0.0),
        ValueError,
        ["threshold"],
    ),
    (
        "clipping_panel-learning_rate",
        lambda: pvan.clipping_panel(learning_rate=1.0),
        ValueError,
        ["learning_rate"],
    ),
    (
        "deep_net_panel-depth_-big",
        lambda: pvan.deep_net_panel(depth_=60),
        ValueError,
        ["depth_", "[1, 50]"],
    ),
    (
        "deep_net_panel-scale-inf",
        lambda: pvan.deep_net_panel(scale=INF),
        ValueError,
        ["scale"],
    ),
    (
        "deep_net_panel-width-float",
        lambda: pvan.deep_net_panel(width=3.5),
        TypeError,
        ["width"],
    ),
    (
        "deep_net_panel-unknown",
        lambda: pvan.deep_net_panel(widht=3),
        ValueError,
        ["widht"],
    ),
    ("log_limits-str", lambda: pvan.log_limits("1"), TypeError, ["values"]),
    (
        "log_limits-current",
        lambda: pvan.log_limits([1.0], current=(0.0, 1.0)),
        ValueError,
        ["current"],
    ),
    ("log_limits-pad-neg", lambda: pvan.log_limits([1.0], pad=-1), ValueError, ["pad"]),
]

STATIC_HYPERPARAMETER_SEARCH = [
    (
        "plot_search_results-ax",
        lambda: shs.plot_search_results(None, [0.1], [0.2], [0.9], 0),
        TypeError,
        ["ax", "Axes"],
    ),
    (
        "plot_search_results-best",
        lambda: shs.plot_search_results(AXES, [0.1], [0.2], [0.9], 1),
        ValueError,
        ["best", "[0, 0]"],
    ),
    (
        "plot_search_results-best-float",
        lambda: shs.plot_search_results(AXES, [0.1], [0.2], [0.9], 0.0),
        TypeError,
        ["best", "integer"],
    ),
    (
        "plot_search_results-alphas-neg",
        lambda: shs.plot_search_results(AXES, [-0.1], [0.2], [0.9], 0),
        ValueError,
        ["alphas"],
    ),
    (
        "plot_search_results-lengths",
        lambda: shs.plot_search_results(AXES, [0.1, 0.2], [0.2], [0.9], 0),
        ValueError,
        ["dev_error"],
    ),
    (
        "plot_search_results-beta1_range",
        lambda: shs.plot_search_results(AXES, [0.1], [0.2], [0.9], 0, (0.9, 1.0)),
        ValueError,
        ["beta1_range", "[0, 1)"],
    ),
]

STATIC_OPTIMIZERS = [
    (
        "plot_smoothed_costs-ax",
        lambda: sopt.plot_smoothed_costs("ax", {"a": np.ones(3)}),
        TypeError,
        ["ax"],
    ),
    (
        "plot_smoothed_costs-empty",
        lambda: sopt.plot_smoothed_costs(AXES, {}),
        ValueError,
        ["losses"],
    ),
    (
        "plot_smoothed_costs-beta-1",
        lambda: sopt.plot_smoothed_costs(AXES, {"a": np.ones(3)}, 1.0),
        ValueError,
        ["beta", "[0, 1)"],
    ),
    (
        "plot_smoothed_costs-2d",
        lambda: sopt.plot_smoothed_costs(AXES, {"a": np.ones((2, 2))}),
        ValueError,
        ["losses['a']", "1-D"],
    ),
    (
        "plot_distance_to_minimum-steps_per_epoch",
        lambda: sopt.plot_distance_to_minimum(AXES, {"a": np.ones(3)}, 0),
        ValueError,
        ["steps_per_epoch"],
    ),
    (
        "plot_distance_to_minimum-list",
        lambda: sopt.plot_distance_to_minimum(AXES, [np.ones(3)], 1),
        TypeError,
        ["distances", "dict"],
    ),
]

# ------------------------------------------------------------- the exercises
EXERCISES = [
    (
        "train_with_regularization-key-None",
        lambda: ex.train_with_regularization(*MB_REG, *MB_REG, key=None),
        TypeError,
        ["key"],
    ),
    (
        "train_with_regularization-lambd-str",
        lambda: ex.train_with_regularization(*MB_REG, *MB_REG, key=KEY, lambd="0.1"),
        TypeError,
        ["lambd"],
    ),
    (
        "train_with_regularization-keep_prob-0",
        lambda: ex.train_with_regularization(*MB_REG, *MB_REG, key=KEY, keep_prob=0.0),
        ValueError,
        ["keep_prob", "(0, 1]"],
    ),
    (
        "train_with_regularization-X_dev-shape",
        lambda: ex.train_with_regularization(
            *MB_REG, MB_REG[0][:1], MB_REG[1], key=KEY
        ),
        ValueError,
        ["X_dev", "(2, m)"],
    ),
    (
        "train_with_regularization-Y_train-nan",
        lambda: ex.train_with_regularization(
            MB_REG[0], MB_REG[1] * NAN, *MB_REG, key=KEY
        ),
        ValueError,
        ["Y_train", "NaN"],
    ),
    (
        "train_with_regularization-num_iterations",
        lambda: ex.train_with_regularization(
            *MB_REG, *MB_REG, key=KEY, num_iterations=0
        ),
        ValueError,
        ["num_iterations"],
    ),
    (
        "train_with_regularization-layer_dims",
        lambda: ex.train_with_regularization(
            *MB_REG, *MB_REG, key=KEY, layer_dims=(3, 1)
        ),
        ValueError,
        ["layer_dims"],
    ),
    (
        "train_with_regularization-l2_cost-int",
        lambda: ex.train_with_regularization(*MB_REG, *MB_REG, key=KEY, l2_cost=3),
        TypeError,
        ["l2_cost"],
    ),
    (
        "train_digits-key-batch",
        lambda: ex.train_digits(key=KEYS),
        ValueError,
        ["key", "batch"],
    ),
    (
        "train_digits-mini_batch_size",
        lambda: ex.train_digits(key=KEY, mini_batch_size=0),
        ValueError,
        ["mini_batch_size"],
    ),
    (
        "train_digits-learning_rate-inf",
        lambda: ex.train_digits(key=KEY, learning_rate=INF),
        ValueError,
        ["learning_rate", "finite"],
    ),
    (
        "train_digits-num_epochs-float",
        lambda: ex.train_digits(key=KEY, num_epochs=2.0),
        TypeError,
        ["num_epochs", "integer"],
    ),
    (
        "train_digits-adam_update-int",
        lambda: ex.train_digits(None, 1, key=KEY),
        TypeError,
        ["adam_update"],
    ),
    (
        "grad_check_batchnorm-key-None",
        lambda: ex.grad_check_batchnorm(key=None),
        TypeError,
        ["key"],
    ),
    (
        "grad_check_batchnorm-grad_check-int",
        lambda: ex.grad_check_batchnorm(1, key=KEY),
        TypeError,
        ["grad_check"],
    ),
    (
        "regularization_data-key-batch",
        lambda: ex.regularization_data(KEYS),
        ValueError,
        ["key", "batch"],
    ),
    ("quiet_check-checker", lambda: ex.quiet_check(None, len), TypeError, ["checker"]),
    (
        "stop_after-seconds-0",
        lambda: ex.stop_after(0.0, "f").__enter__(),
        ValueError,
        ["seconds"],
    ),
    (
        "stop_after-seconds-str",
        lambda: ex.stop_after("1", "f").__enter__(),
        TypeError,
        ["seconds"],
    ),
    (
        "stop_after-name",
        lambda: ex.stop_after(1.0, None).__enter__(),
        TypeError,
        ["name"],
    ),
    ("chosen-choose", lambda: ex.chosen((0.1, 1.0), (0.0, 1.0)), TypeError, ["choose"]),
]

TABLES = {
    "dlcore.demos.batch_normalization": BATCH_NORMALIZATION,
    "dlcore.demos.exponentially_weighted_averages": EXPONENTIALLY_WEIGHTED_AVERAGES,
    "dlcore.demos.gradient_checking": GRADIENT_CHECKING,
    "dlcore.demos.hyperparameter_search": HYPERPARAMETER_SEARCH,
    "dlcore.demos.initialization": INITIALIZATION,
    "dlcore.demos.minibatch": MINIBATCH,
    "dlcore.demos.normalizing_inputs": NORMALIZING_INPUTS,
    "dlcore.demos.optimizers": OPTIMIZERS,
    "dlcore.demos.regularization": REGULARIZATION,
    "dlcore.demos.softmax": SOFTMAX,
    "dlcore.demos.vanishing_exploding": VANISHING_EXPLODING,
    "dlcore.live.panels.batchnorm": PANELS_BATCHNORM,
    "dlcore.live.panels.ewa": PANELS_EWA,
    "dlcore.live.panels.gradcheck": PANELS_GRADCHECK,
    "dlcore.live.panels.initialization": PANELS_INITIALIZATION,
    "dlcore.live.panels.minibatch": PANELS_MINIBATCH,
    "dlcore.live.panels.normalizing": PANELS_NORMALIZING,
    "dlcore.live.panels.optimizers": PANELS_OPTIMIZERS,
    "dlcore.live.panels.regularization": PANELS_REGULARIZATION,
    "dlcore.live.panels.search": PANELS_SEARCH,
    "dlcore.live.panels.softmax": PANELS_SOFTMAX,
    "dlcore.live.panels.vanishing": PANELS_VANISHING,
    "dlcore.live.static.hyperparameter_search": STATIC_HYPERPARAMETER_SEARCH,
    "dlcore.live.static.optimizers": STATIC_OPTIMIZERS,
    "dlcore.exercises": EXERCISES,
}
ROWS = [
    (f"{mod.split('.')[-1]}.{row[0]}", *row[1:])
    for mod, t in TABLES.items()
    for row in t
]


@pytest.mark.parametrize(
    "call, exc, words", [row[1:] for row in ROWS], ids=[row[0] for row in ROWS]
)
def test_bad_input_gets_a_clear_error(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    message = str(info.value)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"


def test_each_row_has_its_own_id():
    ids = [row[0] for row in ROWS]
    assert len(ids) == len(set(ids))


def test_a_checker_given_a_non_function_says_so():
    """A ``check_*`` reports (it does not raise) that it wants the function
    itself, or the result of the assembly run it checks."""
    for name in ex.__all__:
        if not name.startswith("check_"):
            continue
        checker = getattr(ex, name)
        extra = {}
        if name == "check_batchnorm_backward":
            extra = {"batchnorm_backward": 3}
        result = ex.quiet_check(checker, 3, **extra)
        assert not result.passed, name
        assert "int" in result.line, (name, result.line)
        assert "itself" in result.line or "pass the result of" in result.line, name


# Public callables with no row: a result class, and a function that takes
# no argument. The check_* functions have their own test above.
NOT_FUZZED = {"CheckResult", "beale"}


def test_every_public_function_has_a_row():
    """A new public function of these modules must come with its own row."""
    missing = []
    for module_name, rows in TABLES.items():
        module = importlib.import_module(module_name)
        covered = {row[0].split("-")[0] for row in rows}
        for name in module.__all__:
            obj = getattr(module, name)
            if not callable(obj) or name in NOT_FUZZED or name.startswith("check_"):
                continue
            if isinstance(obj, type) and issubclass(obj, tuple):
                continue  # NamedTuple results
            if name not in covered and name[0].islower():
                missing.append(f"{module_name}.{name}")
    assert not missing, missing


def test_every_demo_panel_and_static_module_has_a_table():
    import pkgutil

    import dlcore.demos
    import dlcore.live.panels
    import dlcore.live.static

    for package in (dlcore.demos, dlcore.live.panels, dlcore.live.static):
        for info in pkgutil.iter_modules(package.__path__):
            assert f"{package.__name__}.{info.name}" in TABLES, info.name
