"""Speed benchmark: dlcore against a plain NumPy loop and PyTorch eager.

Two questions, answered side by side (median times, ratios against dlcore):

(a) How long does ONE training step take?  A [64, 256, 256, 256, 10] MLP
    (ReLU hidden, softmax output, cross-entropy, Adam α = 1e-3) on a batch of
    256 examples, float32.

(b) How long does a WHOLE training run take?  1000 full-batch Adam steps
    (α = 0.01) of a [2, 32, 32, 1] MLP (ReLU hidden, sigmoid output, binary
    cross-entropy) on 300 points of ``dl.data.make_moons``.

Every framework starts from the same initial parameters (drawn once with
NumPy) and sees the same data, so the losses printed at the end should agree
closely: that is the check that all of them train the same network.

How dlcore is timed. JAX dispatches work asynchronously: a call returns before
the result is computed. Each timed chunk therefore calls the step (or ``fit``)
in a plain Python loop and calls ``jax.block_until_ready`` ONCE, on the last
result, before stopping the clock. The compile time of the first call is left
out of the medians and printed separately.

Frameworks are timed round-robin (one chunk of each, then again), so a burst of
load from another process hits all of them rather than one.

Run::

    python benchmarks/bench_train.py            # full run, a few minutes
    python benchmarks/bench_train.py --quick    # smoke run, < 60 s
    python benchmarks/bench_train.py --no-torch # skip the PyTorch rows

This is a measurement, not a test: missed targets print MISS, the exit status
is always 0. The tables are printed and written, with the machine and its load
at the start and the end, to ``benchmarks/results/bench_train.txt`` (another
file with ``--output``).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import os
import statistics
import sys
import time
from functools import partial
from pathlib import Path

import benchlib
import jax
import jax.numpy as jnp
import numpy as np

import dlcore as dl
from dlcore.train import Hyper

# Problem (a): one step of a wide MLP on a mini-batch.
DIMS_A = (64, 256, 256, 256, 10)
BATCH_A = 256
LR_A = 1e-3

# Problem (b): a whole full-batch run on the moons.
DIMS_B = (2, 32, 32, 1)
M_B = 300
STEPS_B = 1000
LR_B = 0.01

# Adam's other hyperparameters: dlcore's defaults, also PyTorch's.
BETA1, BETA2, EPS = 0.9, 0.999, 1e-8

# Row names that the ratios and the targets refer to.
STEP_REF = "dlcore (jit step)"
RUN_REF = "dlcore fit (1 compiled call)"
TORCH_REF = "PyTorch eager"
FLOOR_REF = "plain JAX scan, no dlcore"

# Targets given by the project (printed as PASS/MISS, never an error).
TARGET_FIT_MS = 30.0
TARGET_NUMPY_RATIO = 2.5
TARGET_TORCH_RATIO = 8.0
TARGET_TORCH_STEP_RATIO = 1.0


# ----------------------------------------------------------------------------
# Shared initial parameters and data (NumPy, float32)
# ----------------------------------------------------------------------------


def he_init(dims, seed: int) -> dict[str, np.ndarray]:
    """He initialisation, W{l} ~ N(0, 2/n[l-1]) and b{l} = 0, in float32."""
    rng = np.random.default_rng(seed)
    params = {}
    for l in range(1, len(dims)):
        std = np.sqrt(2.0 / dims[l - 1])
        params[f"W{l}"] = (std * rng.standard_normal((dims[l], dims[l - 1]))).astype(
            np.float32
        )
        params[f"b{l}"] = np.zeros((dims[l], 1), np.float32)
    return params


def random_batch(n_x: int, n_classes: int, m: int, seed: int):
    """X (n_x, m) standard normal and one-hot Y (n_classes, m), float32."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_x, m)).astype(np.float32)
    labels = rng.integers(0, n_classes, m)
    Y = np.eye(n_classes, dtype=np.float32)[:, labels]
    return X, Y


def copy_params(params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: v.copy() for k, v in params.items()}


# ----------------------------------------------------------------------------
# The NumPy implementation: the lecture's formulas, float32 throughout
# ----------------------------------------------------------------------------


def np_forward(params, X, L: int):
    """Forward pass with ReLU hidden layers. Returns Z{L} and the caches.

    ``caches[l - 1] = (A{l-1}, Z{l})``: what the backward pass needs.
    """
    A = X
    caches = []
    for l in range(1, L + 1):
        Z = params[f"W{l}"] @ A + params[f"b{l}"]
        caches.append((A, Z))
        A = np.maximum(Z, 0) if l < L else Z
    return Z, caches


def np_output_and_cost(ZL, Y, output: str):
    """A{L} and the cost J for a sigmoid (BCE) or softmax (CE) output."""
    if output == "sigmoid":
        AL = 0.5 * (1 + np.tanh(0.5 * ZL))  # σ(z), without overflow
        per = Y * np.logaddexp(0, -ZL) + (1 - Y) * np.logaddexp(0, ZL)
        return AL, float(np.mean(np.sum(per, axis=0)))
    Zs = ZL - ZL.max(axis=0, keepdims=True)
    E = np.exp(Zs)
    S = E.sum(axis=0, keepdims=True)
    log_A = Zs - np.log(S)
    return E / S, float(-np.mean(np.sum(Y * log_A, axis=0)))


def np_backward(AL, Y, caches, params, L: int):
    """dZ{L} = A{L} − Y, then dW = dZ A_prevᵀ/m, db = Σ dZ/m, dZ = Wᵀ dZ ⊙ g'(Z)."""
    m = Y.shape[1]
    grads = {}
    dZ = AL - Y
    for l in range(L, 0, -1):
        A_prev, _ = caches[l - 1]
        grads[f"W{l}"] = (dZ @ A_prev.T) / m
        grads[f"b{l}"] = dZ.sum(axis=1, keepdims=True) / m
        if l > 1:
            Z_prev = caches[l - 2][1]
            dZ = (params[f"W{l}"].T @ dZ) * (Z_prev > 0)
    return grads


class NumpyAdam:
    """Adam with bias correction, updating the parameter arrays in place."""

    def __init__(self, params, lr: float):
        self.lr = lr
        self.t = 0
        self.v = {k: np.zeros_like(p) for k, p in params.items()}
        self.s = {k: np.zeros_like(p) for k, p in params.items()}

    def step(self, params, grads):
        self.t += 1
        c1, c2 = 1 - BETA1**self.t, 1 - BETA2**self.t
        for k, g in grads.items():
            v, s = self.v[k], self.s[k]
            v *= BETA1
            v += (1 - BETA1) * g
            s *= BETA2
            s += (1 - BETA2) * (g * g)
            params[k] -= self.lr * (v / c1) / (np.sqrt(s / c2) + EPS)


class NumpyTrainer:
    """n Adam steps on (X, Y) with the functions above."""

    def __init__(self, params0, X, Y, output: str, lr: float):
        self.params0, self.X, self.Y, self.output, self.lr = params0, X, Y, output, lr
        self.L = len(params0) // 2
        self.reset()

    def reset(self):
        self.params = copy_params(self.params0)
        self.adam = NumpyAdam(self.params, self.lr)

    def run(self, n: int):
        params, X, Y = self.params, self.X, self.Y
        for _ in range(n):
            ZL, caches = np_forward(params, X, self.L)
            AL, _ = np_output_and_cost(ZL, Y, self.output)
            self.adam.step(params, np_backward(AL, Y, caches, params, self.L))

    def get_params(self):
        return self.params


def np_cost(params, X, Y, output: str) -> float:
    """The cost of ``params`` on (X, Y): the common yardstick for every framework."""
    params = {k: np.asarray(v, np.float32) for k, v in params.items()}
    ZL, _ = np_forward(params, X, len(params) // 2)
    return np_output_and_cost(ZL, Y, output)[1]


# ----------------------------------------------------------------------------
# dlcore
# ----------------------------------------------------------------------------


class DlcoreStepper:
    """``run(n)``: n calls of the jitted step from ``make_train_step``.

    The detail that matters for the clock: only the last result is blocked on.
    """

    def __init__(self, params0, X, Y, cfg, lr: float, grad: str = "autodiff"):
        self.init, self.step = dl.train.make_train_step(cfg, "adam", grad=grad)
        self.hp = Hyper(learning_rate=lr)
        self.params0 = {k: jnp.asarray(v) for k, v in params0.items()}
        self.X, self.Y = jnp.asarray(X), jnp.asarray(Y)
        self.key = jax.random.key(0)  # unused without dropout, but required
        self.cfg = cfg
        self.reset()

    def reset(self):
        self.params = self.params0
        self.opt_state = self.init(self.params, self.hp)
        self.state = dl.model.init_state(self.cfg)
        jax.block_until_ready(self.opt_state)

    def run(self, n: int):
        params, opt_state, state = self.params, self.opt_state, self.state
        for _ in range(n):
            params, opt_state, state, _ = self.step(
                params, opt_state, state, self.X, self.Y, self.key, self.hp
            )
        jax.block_until_ready(params)
        self.params, self.opt_state, self.state = params, opt_state, state

    def get_params(self):
        return self.params


class DlcoreFit:
    """``run(n)``: ONE call of ``dl.train.fit`` doing n steps in a compiled loop."""

    def __init__(self, params0, X, Y, cfg, lr: float):
        self.params0 = {k: jnp.asarray(v) for k, v in params0.items()}
        self.X, self.Y = jnp.asarray(X), jnp.asarray(Y)
        self.key = jax.random.key(0)
        self.cfg, self.lr = cfg, lr
        self.params = self.params0

    def reset(self):
        self.params = self.params0  # fit always starts from params0

    def run(self, n: int):
        hist = dl.train.fit(
            self.key,
            self.X,
            self.Y,
            self.cfg,
            Hyper(learning_rate=self.lr),
            optimizer="adam",
            num_steps=n,
            eval_every=n,
            params=self.params0,
        )
        self.params = jax.block_until_ready(hist.params)

    def get_params(self):
        return self.params


class JaxScanFloor:
    """``run(n)``: the same run as plain JAX, no dlcore: the floor for ``fit``.

    The [2, 32, 32, 1] net written out by hand (ReLU, sigmoid output, binary
    cross-entropy from the logits), ``jax.value_and_grad``, and Adam with bias
    correction written inline, all in one jitted ``lax.scan``: the least work a
    compiled run of this net can do in JAX. None of dlcore's options (dropout,
    batch norm, L2, clipping, schedules, evaluations) is there, so the gap
    between this row and ``fit`` is what those options cost.
    """

    def __init__(self, params0, X, Y, lr: float):
        self.params0 = {k: jnp.asarray(v) for k, v in params0.items()}
        self.X, self.Y = jnp.asarray(X), jnp.asarray(Y)
        self.lr = lr
        self.params = self.params0

    @staticmethod
    def cost(p, X, Y):
        """J = mean over examples of log(1 + e^-z) for y = 1, log(1 + e^z) for y = 0."""
        # jax.nn.relu, not jnp.maximum(Z, 0): the gradient of maximum splits
        # ties, which made this whole run markedly slower
        A1 = jax.nn.relu(p["W1"] @ X + p["b1"])
        A2 = jax.nn.relu(p["W2"] @ A1 + p["b2"])
        Z3 = p["W3"] @ A2 + p["b3"]
        return jnp.mean(jnp.logaddexp(0, Z3) - Y * Z3)

    @staticmethod
    @partial(jax.jit, static_argnames=("lr", "n"))
    def adam_run(p, X, Y, lr, n: int):
        """n full-batch Adam steps of size lr from p; the final parameters."""

        def body(carry, t):
            p, v, s = carry
            J, g = jax.value_and_grad(JaxScanFloor.cost)(p, X, Y)
            v = jax.tree.map(lambda v, g: BETA1 * v + (1 - BETA1) * g, v, g)
            s = jax.tree.map(lambda s, g: BETA2 * s + (1 - BETA2) * g * g, s, g)
            c1, c2 = 1 - BETA1**t, 1 - BETA2**t
            p = jax.tree.map(
                lambda w, v, s: w - lr * (v / c1) / (jnp.sqrt(s / c2) + EPS), p, v, s
            )
            return (p, v, s), J

        zeros = jax.tree.map(jnp.zeros_like, p)
        ts = jnp.arange(1, n + 1, dtype=X.dtype)
        return jax.lax.scan(body, (p, zeros, zeros), ts)[0][0]

    def reset(self):
        self.params = self.params0

    def run(self, n: int):
        self.params = jax.block_until_ready(
            self.adam_run(self.params0, self.X, self.Y, self.lr, n=n)
        )

    def get_params(self):
        return self.params


def dot_floor_ms(steps: int, repeats: int) -> float:
    """Median ms for the three (32×32)·(32×300)-sized products of each step alone.

    Every step of the [2, 32, 32, 1] run multiplies W2 A1 (forward), W2ᵀ dZ2
    (backward to A1) and dZ2 A1ᵀ (dW2): 3 × 32·32·300 multiply-adds, the bulk
    of its arithmetic. Here ``steps`` such triples run in one jitted
    ``lax.scan``, each step depending on the last so that none is hoisted.
    """

    @jax.jit
    def products(W, A):
        def body(W, _):
            Z = W @ A
            dA = W.T @ Z
            dW = Z @ dA.T
            return W - 1e-9 * dW, None

        return jax.lax.scan(body, W, None, length=steps)[0]

    W = jnp.full((32, 32), 0.01, jnp.float32)
    A = jnp.ones((32, M_B), jnp.float32)
    jax.block_until_ready(products(W, A))  # compile
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        jax.block_until_ready(products(W, A))
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


# ----------------------------------------------------------------------------
# PyTorch eager
# ----------------------------------------------------------------------------


class TorchTrainer:
    """``nn.Sequential`` of Linear + ReLU, a PyTorch loss and ``torch.optim.Adam``.

    PyTorch wants one ROW per example, so X and Y are transposed once here.
    ``nn.Linear.weight`` is (n[l], n[l-1]), the same layout as W{l}.
    ``threads`` is passed to ``torch.set_num_threads`` before each timed chunk.
    """

    def __init__(self, torch, params0, X, Y, output: str, lr: float, threads: int):
        self.torch, self.params0, self.lr, self.threads = torch, params0, lr, threads
        nn = torch.nn
        L = len(params0) // 2
        layers = []
        for l in range(1, L + 1):
            n, n_prev = params0[f"W{l}"].shape
            layers.append(nn.Linear(n_prev, n))
            if l < L:
                layers.append(nn.ReLU())
        self.net = nn.Sequential(*layers)
        self.linears = [m for m in self.net if isinstance(m, nn.Linear)]
        self.X = torch.from_numpy(np.ascontiguousarray(X.T))
        if output == "sigmoid":
            self.loss_fn = nn.BCEWithLogitsLoss()
            self.target = torch.from_numpy(np.ascontiguousarray(Y.T))
        else:
            self.loss_fn = nn.CrossEntropyLoss()  # takes logits and class indices
            self.target = torch.from_numpy(Y.argmax(axis=0))
        self.reset()

    def reset(self):
        self.torch.set_num_threads(self.threads)
        with self.torch.no_grad():
            for l, linear in enumerate(self.linears, start=1):
                linear.weight.copy_(self.torch.from_numpy(self.params0[f"W{l}"]))
                linear.bias.copy_(self.torch.from_numpy(self.params0[f"b{l}"][:, 0]))
        self.opt = self.torch.optim.Adam(
            self.net.parameters(), lr=self.lr, betas=(BETA1, BETA2), eps=EPS
        )

    def run(self, n: int):
        net, opt, loss_fn, X, target = (
            self.net,
            self.opt,
            self.loss_fn,
            self.X,
            self.target,
        )
        for _ in range(n):
            opt.zero_grad()
            loss = loss_fn(net(X), target)
            loss.backward()
            opt.step()

    def get_params(self):
        out = {}
        for l, linear in enumerate(self.linears, start=1):
            out[f"W{l}"] = linear.weight.detach().numpy().copy()
            out[f"b{l}"] = linear.bias.detach().numpy().reshape(-1, 1).copy()
        return out


def torch_trainers(torch, threads, params0, X, Y, output: str, lr: float) -> dict:
    """The PyTorch row (``threads``: its default) and an extra row with one thread.

    The extra row is there because PyTorch's worker threads wait for each
    other: on a busy 2-core machine the default setting can be many times
    slower than a single thread.
    """
    return {
        TORCH_REF: TorchTrainer(torch, params0, X, Y, output, lr, threads),
        "PyTorch eager, 1 thread": TorchTrainer(
            torch, params0, X, Y, output, lr, threads=1
        ),
    }


# ----------------------------------------------------------------------------
# Timing and printing
# ----------------------------------------------------------------------------


def round_robin(
    trainers: dict, n: int, repeats: int, budget_s: float = math.inf
) -> dict[str, list[float]]:
    """Seconds for ``trainer.run(n)``, ``repeats`` times each, interleaved.

    Every timed chunk starts from the initial parameters (``reset`` is called
    outside the clock), so all frameworks do exactly the same work. After
    ``budget_s`` seconds no new round is started (there is always one), which
    keeps ``--quick`` short even on a busy machine.
    """
    times: dict[str, list[float]] = {name: [] for name in trainers}
    start = time.perf_counter()
    for _ in range(repeats):
        if times[next(iter(times))] and time.perf_counter() - start > budget_s:
            break
        for name, trainer in trainers.items():
            trainer.reset()
            t0 = time.perf_counter()
            trainer.run(n)
            times[name].append(time.perf_counter() - t0)
    return times


def first_call(trainer, n: int) -> float:
    """Seconds for the first ``run(n)``: includes jit compilation for dlcore."""
    trainer.reset()
    t0 = time.perf_counter()
    trainer.run(n)
    return time.perf_counter() - t0


def fmt(x: float) -> str:
    """About 4 significant digits, never in scientific notation: 3.754, 58.80, 4172."""
    digits = 3 - math.floor(math.log10(abs(x))) if x else 3
    return f"{x:.{max(0, digits)}f}"


def print_table(title: str, unit: str, times, scale: float, ref: str) -> dict:
    """Median/min/max of ``times`` (seconds × scale) and the ratio to ``ref``.

    Returns ``{name: median}``.
    """
    stats = {
        name: (statistics.median(ts) * scale, min(ts) * scale, max(ts) * scale)
        for name, ts in times.items()
    }
    print(f"\n{title}")
    ratio_label = "÷ " + ref.split(" (")[0]
    header = (
        f"  {'framework':<30}{'median ' + unit:>15}{'min':>10}{'max':>10}"
        f"{ratio_label:>18}"
    )
    print(header)
    print("  " + "-" * (len(header) - 2))
    for name, (med, lo, hi) in stats.items():
        ratio = f"{med / stats[ref][0]:.2f}x"
        print(f"  {name:<30}{fmt(med):>15}{fmt(lo):>10}{fmt(hi):>10}{ratio:>18}")
    return {name: st[0] for name, st in stats.items()}


def print_sanity(steps: int, params0, X, Y, output: str, trainers: dict) -> None:
    """The NumPy cost from the shared start and after each trainer's last run."""
    print(f"  sanity: cost after {steps} steps from the same init (NumPy formula):")
    print(f"    {'initial params':<30}{np_cost(params0, X, Y, output):.6f}")
    for name, tr in trainers.items():
        print(f"    {name:<30}{np_cost(tr.get_params(), X, Y, output):.6f}")


class Tee(io.TextIOBase):
    """A text stream that writes to ``stream`` and keeps a copy."""

    def __init__(self, stream):
        self.stream = stream
        self.copy = io.StringIO()

    def write(self, text: str) -> int:
        self.stream.write(text)
        self.stream.flush()  # show each line at once (CI logs)
        return self.copy.write(text)


def import_torch(disabled: bool):
    if disabled:
        return None, "skipped (--no-torch)"
    try:
        import torch
    except ImportError as err:
        return None, f"not importable ({err})"
    return torch, torch.__version__


def print_machine(torch, torch_note: str):
    packages = ("jax", "jaxlib", "numpy", "torch")
    for line in benchlib.header("dlcore speed benchmark", packages, browser=False):
        print(line)
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    print(f"  CPUs           : {os.cpu_count()} (usable by this process: {usable})")
    print(f"  jax backend    : {jax.default_backend()} {jax.devices()}")
    if torch is None:
        print(f"  torch          : {torch_note}")
    else:
        threads = torch.get_num_threads()
        print(f"  torch          : {torch.__version__} ({threads} threads)")
    x64 = jax.config.x64_enabled
    print(f"  float dtype    : float32 everywhere (jax_enable_x64={x64})")
    if os.getloadavg()[0] > 0.75 * (os.cpu_count() or 1):
        print("  WARNING: the machine is busy; timings will be slow and noisy")


# ----------------------------------------------------------------------------
# (a) one step of a [64, 256, 256, 256, 10] MLP
# ----------------------------------------------------------------------------


def bench_step(
    torch, torch_threads: int, steps: int, repeats: int, budget_s: float
) -> dict:
    X, Y = random_batch(DIMS_A[0], DIMS_A[-1], BATCH_A, seed=1)
    params0 = he_init(DIMS_A, seed=0)
    cfg = dl.model.MLPConfig(DIMS_A, hidden="relu", output="softmax")

    trainers = {
        STEP_REF: DlcoreStepper(params0, X, Y, cfg, LR_A),
        "dlcore grad='hand'": DlcoreStepper(params0, X, Y, cfg, LR_A, grad="hand"),
        "NumPy loop": NumpyTrainer(params0, X, Y, "softmax", LR_A),
    }
    if torch is not None:
        trainers.update(
            torch_trainers(torch, torch_threads, params0, X, Y, "softmax", LR_A)
        )

    compile_s = {
        name: first_call(tr, 1) for name, tr in trainers.items() if "dlcore" in name
    }
    round_robin(trainers, steps, 1)  # warm-up chunk, not timed
    times = round_robin(trainers, steps, repeats, budget_s)
    repeats = len(times[STEP_REF])

    medians = print_table(
        f"(a) ms per training step: MLP {list(DIMS_A)}, batch {BATCH_A}, "
        f"Adam lr {LR_A:g}, float32\n"
        f"    median over {repeats} chunks of {steps} steps; dlcore blocks once, "
        "at the end of each chunk",
        "ms/step",
        times,
        1e3 / steps,
        STEP_REF,
    )
    for name, s in compile_s.items():
        print(f"  compile time, {name}: {s * 1e3:.0f} ms (first call, incl. 1 step)")
    print_sanity(steps, params0, X, Y, "softmax", trainers)
    return medians


# ----------------------------------------------------------------------------
# (b) a whole 1000-step run on the moons
# ----------------------------------------------------------------------------


def bench_run(
    torch, torch_threads: int, repeats: int, budget_s: float, max_run_s: float
) -> dict:
    Xj, Yj = dl.data.make_moons(jax.random.key(0), M_B, noise=0.2)
    X, Y = np.array(Xj), np.array(Yj)  # writable copies
    params0 = he_init(DIMS_B, seed=0)
    cfg = dl.model.MLPConfig(DIMS_B, hidden="relu", output="sigmoid")

    trainers = {
        RUN_REF: DlcoreFit(params0, X, Y, cfg, LR_B),
        "dlcore jit step, Python loop": DlcoreStepper(params0, X, Y, cfg, LR_B),
        "NumPy loop": NumpyTrainer(params0, X, Y, "sigmoid", LR_B),
        FLOOR_REF: JaxScanFloor(params0, X, Y, LR_B),
    }
    if torch is not None:
        trainers.update(
            torch_trainers(torch, torch_threads, params0, X, Y, "sigmoid", LR_B)
        )

    first_call(trainers[FLOOR_REF], STEPS_B)  # compile
    first_fit = first_call(trainers[RUN_REF], STEPS_B)
    first_step = first_call(trainers["dlcore jit step, Python loop"], 1)
    # Warm-up (not timed): 50 steps are enough to warm the caches and thread
    # pools; fit is already warm, and another num_steps would compile again.
    compiled = (RUN_REF, FLOOR_REF)
    warm = round_robin({k: v for k, v in trainers.items() if k not in compiled}, 50, 1)
    skipped = []
    for name, (t50,) in warm.items():
        estimate = t50 * STEPS_B / 50
        if estimate > max_run_s:  # only with --quick, on a busy machine
            skipped.append(f"  skipped {name}: about {estimate:.0f} s per run")
            del trainers[name]
    times = round_robin(trainers, STEPS_B, repeats, budget_s)
    repeats = len(times[RUN_REF])

    medians = print_table(
        f"(b) ms per whole run: {STEPS_B} full-batch Adam steps (lr {LR_B:g}), "
        f"MLP {list(DIMS_B)}, {M_B} moons, float32\n"
        f"    median over {repeats} runs, each from the same initial params",
        "ms/run",
        times,
        1e3,
        RUN_REF,
    )
    for line in skipped:
        print(line)
    print(
        f"  compile time, dlcore fit: {first_fit * 1e3 - medians[RUN_REF]:.0f} ms "
        f"(first call {first_fit * 1e3:.0f} ms minus the median run)"
    )
    print(f"  compile time, dlcore jit step: {first_step * 1e3:.0f} ms (first call)")
    medians["dots"] = dot_floor_ms(STEPS_B, repeats)
    print(
        f"  of which arithmetic: the {3 * STEPS_B} (32×32)·(32×300) products alone, "
        f"one scan: {fmt(medians['dots'])} ms"
    )
    print_sanity(STEPS_B, params0, X, Y, "sigmoid", trainers)
    return medians


# ----------------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="few repeats (< 60 s)")
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch")
    parser.add_argument(
        "--output",
        type=Path,
        default=benchlib.RESULTS_DIR / "bench_train.txt",
        help="results file (default: benchmarks/results/bench_train.txt)",
    )
    args = parser.parse_args(argv)
    tee = Tee(sys.stdout)
    with contextlib.redirect_stdout(tee):
        run(args)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(tee.copy.getvalue())
    print(f"\nwritten to {args.output}")


def run(args) -> None:
    """Both problems, then the targets; every line goes to stdout."""
    torch, torch_note = import_torch(args.no_torch)
    torch_threads = torch.get_num_threads() if torch is not None else 0
    print_machine(torch, torch_note)
    if torch is None:
        print(f"  note: no PyTorch rows, torch {torch_note}")

    if args.quick:
        a = bench_step(torch, torch_threads, steps=20, repeats=3, budget_s=5)
        b = bench_run(torch, torch_threads, 3, budget_s=10, max_run_s=5)
    else:
        a = bench_step(torch, torch_threads, steps=100, repeats=9, budget_s=300)
        b = bench_run(torch, torch_threads, 11, budget_s=300, max_run_s=math.inf)

    fit_ms = b[RUN_REF]
    checks = [
        (
            f"(b) dlcore fit <= {TARGET_FIT_MS:g} ms per run",
            f"{fit_ms:.1f} ms",
            fit_ms <= TARGET_FIT_MS,
        ),
        (
            f"(b) NumPy / dlcore >= {TARGET_NUMPY_RATIO:g}x",
            f"{b['NumPy loop'] / fit_ms:.2f}x",
            b["NumPy loop"] / fit_ms >= TARGET_NUMPY_RATIO,
        ),
    ]
    if TORCH_REF in b:
        checks.append(
            (
                f"(b) PyTorch / dlcore >= {TARGET_TORCH_RATIO:g}x",
                f"{b[TORCH_REF] / fit_ms:.2f}x",
                b[TORCH_REF] / fit_ms >= TARGET_TORCH_RATIO,
            )
        )
    elif torch is not None:
        checks.append(
            (f"(b) PyTorch / dlcore >= {TARGET_TORCH_RATIO:g}x", "(row skipped)", None)
        )
    if TORCH_REF in a:
        ratio = a[TORCH_REF] / a[STEP_REF]
        checks.append(
            (
                f"(a) PyTorch / dlcore step >= {TARGET_TORCH_STEP_RATIO:g}x",
                f"{ratio:.2f}x",
                ratio >= TARGET_TORCH_STEP_RATIO,
            )
        )
    print("\nTargets (informational; the exit status is always 0)")
    for what, measured, ok in checks:
        verdict = "n/a " if ok is None else "PASS" if ok else "MISS"
        print(f"  {verdict}  {what:<38} measured {measured}")
    print(
        f"  For scale, on this machine: the same run as plain JAX, "
        f"{fmt(b[FLOOR_REF])} ms; its products alone, {fmt(b['dots'])} ms."
    )
    print(f"\nload average (1, 5, 15 min) at the end: {benchlib.loadavg()}")
    if os.getloadavg()[0] > 0.75 * (os.cpu_count() or 1):
        print("  WARNING: the machine was busy at the end; timings are slow and noisy")


if __name__ == "__main__":
    main()
