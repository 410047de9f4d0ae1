"""Bad input to every public function of the core modules gets a clear error.

Each row of ``CASES`` calls one public function with exactly one bad argument
and names the exception type and the words its message must contain: the
argument as the user wrote it, and what is allowed. The other arguments are
valid, so the row fails if the function checks the wrong thing.
"""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from dlcore import (
    activations,
    compile_cache,
    compiles,
    data,
    ewa,
    gradcheck,
    init,
    layers,
    losses,
    model,
    optim,
    schedules,
    search,
    train,
)

KEY = jax.random.key(0)
KEYS = jax.random.split(KEY, 3)
RAW_KEYS = jax.random.split(jax.random.PRNGKey(0), 3)
X = jnp.linspace(-1.0, 1.0, 16, dtype=jnp.float32).reshape(2, 8)
Y = (jnp.arange(8) % 2).astype(jnp.float32).reshape(1, 8)
Z = jnp.ones((3, 8), jnp.float32)
CFG = model.MLPConfig((2, 3, 1))
BN_CFG = model.MLPConfig((2, 3, 1), batchnorm=True)
PARAMS = model.init_params(KEY, CFG)
BN_PARAMS = model.init_params(KEY, BN_CFG)
NAN_X = X.at[0, 0].set(jnp.nan)
INF_X = X.at[1, 2].set(jnp.inf)
CPLX = Z.astype(jnp.complex64)
OBJ = np.array([[1.0, "a"]], dtype=object)
STR = np.array([["a", "b"]])
G = {"W": jnp.ones((2, 2))}
HP = train.Hyper()


def _bn_cache():
    _, cache, _ = layers.batchnorm_forward(
        Z, jnp.ones((3, 1)), jnp.zeros((3, 1)), layers.bn_init_state(3)
    )
    return cache


def _quadratic(p):
    return sum(jnp.sum(v**2) for v in p.values())


def _opt_update(opt, grads):
    return opt.update(grads, opt.init(G))


# (id, call, exception type, words the message must contain)
CASES = [
    # activations: None, strings, complex and object arrays
    ("sigmoid-None", lambda: activations.sigmoid(None), TypeError, ["Z"]),
    ("sigmoid-str", lambda: activations.sigmoid("1"), TypeError, ["Z"]),
    ("sigmoid_grad-cplx", lambda: activations.sigmoid_grad(CPLX), TypeError, ["Z"]),
    ("tanh-obj", lambda: activations.tanh(OBJ), TypeError, ["Z", "object"]),
    ("tanh_grad-str", lambda: activations.tanh_grad(STR), TypeError, ["Z"]),
    ("relu-cplx", lambda: activations.relu(CPLX), TypeError, ["Z", "complex"]),
    ("relu_grad-None", lambda: activations.relu_grad(None), TypeError, ["Z"]),
    ("leaky_relu-str", lambda: activations.leaky_relu(STR), TypeError, ["Z"]),
    (
        "leaky_relu-slope-inf",
        lambda: activations.leaky_relu(Z, slope=math.inf),
        ValueError,
        ["slope", "finite"],
    ),
    (
        "leaky_relu_grad-slope-str",
        lambda: activations.leaky_relu_grad(Z, slope="a"),
        TypeError,
        ["slope"],
    ),
    ("linear-None", lambda: activations.linear(None), TypeError, ["Z"]),
    ("linear_grad-cplx", lambda: activations.linear_grad(CPLX), TypeError, ["Z"]),
    ("softmax-obj", lambda: activations.softmax(OBJ), TypeError, ["Z"]),
    ("softmax-axis-float", lambda: activations.softmax(Z, 0.5), TypeError, ["axis"]),
    ("softmax-axis-range", lambda: activations.softmax(Z, 2), ValueError, ["axis"]),
    ("get-unknown", lambda: activations.get("relux"), ValueError, ["relu"]),
    ("get-None", lambda: activations.get(None), ValueError, ["activation"]),
    # init
    ("std-scheme", lambda: init.std("kaiming", 2, 3), ValueError, ["scheme"]),
    ("std-n_prev", lambda: init.std("he", 0, 3), ValueError, ["n_prev", "1"]),
    ("std-n-float", lambda: init.std("he", 2, 3.5), TypeError, ["n", "integer"]),
    (
        "std-scale-inf",
        lambda: init.std("he", 2, 3, math.inf),
        ValueError,
        ["scale", "finite"],
    ),
    ("initialize-key-None", lambda: init.initialize(None, [2, 1]), TypeError, ["key"]),
    (
        "initialize-key-batch",
        lambda: init.initialize(KEYS, [2, 1]),
        ValueError,
        ["key", "batch"],
    ),
    (
        "initialize-raw-key-batch",
        lambda: init.initialize(RAW_KEYS, [2, 1]),
        ValueError,
        ["key", "batch"],
    ),
    (
        "initialize-dims-float",
        lambda: init.initialize(KEY, [2, 1.5]),
        TypeError,
        ["layer_dims[1]", "integer"],
    ),
    (
        "initialize-dims-str",
        lambda: init.initialize(KEY, "21"),
        TypeError,
        ["layer_dims"],
    ),
    (
        "initialize-scheme",
        lambda: init.initialize(KEY, [2, 1], "lecun"),
        ValueError,
        ["scheme"],
    ),
    (
        "initialize-scale-nan",
        lambda: init.initialize(KEY, [2, 1], scale=math.nan),
        ValueError,
        ["scale"],
    ),
    (
        "initialize-c-inf",
        lambda: init.initialize(KEY, [2, 1], "constant", c=math.inf),
        ValueError,
        ["c", "finite"],
    ),
    (
        "initialize-batchnorm-int",
        lambda: init.initialize(KEY, [2, 3, 1], batchnorm=1),
        TypeError,
        ["batchnorm", "bool"],
    ),
    (
        "initialize-dtype",
        lambda: init.initialize(KEY, [2, 1], dtype=jnp.int32),
        TypeError,
        ["dtype", "float"],
    ),
    # layers
    (
        "dense_forward-None",
        lambda: layers.dense_forward(None, Z),
        TypeError,
        ["A_prev"],
    ),
    (
        "dense_forward-W-cplx",
        lambda: layers.dense_forward(Z, CPLX[:, :3]),
        TypeError,
        ["W", "complex"],
    ),
    (
        "dense_forward-b-str",
        lambda: layers.dense_forward(Z, Z[:, :3], "b"),
        TypeError,
        ["b"],
    ),
    (
        "dense_backward-dZ-None",
        lambda: layers.dense_backward(None, Z, Z[:, :3]),
        TypeError,
        ["dZ"],
    ),
    (
        "dense_backward-shape",
        lambda: layers.dense_backward(Z[:, :4], Z, Z[:, :3]),
        ValueError,
        ["dZ", "A_prev"],
    ),
    (
        "dense_backward-W-obj",
        lambda: layers.dense_backward(Z, Z, OBJ),
        TypeError,
        ["W"],
    ),
    (
        "dropout_forward-keep_prob-0",
        lambda: layers.dropout_forward(Z, 0.0, key=KEY),
        ValueError,
        ["keep_prob", "(0, 1]"],
    ),
    (
        "dropout_forward-keep_prob-str",
        lambda: layers.dropout_forward(Z, "0.5", key=KEY),
        TypeError,
        ["keep_prob"],
    ),
    (
        "dropout_forward-key-batch",
        lambda: layers.dropout_forward(Z, 0.5, key=KEYS),
        ValueError,
        ["key", "batch"],
    ),
    (
        "dropout_forward-key-None",
        lambda: layers.dropout_forward(Z, 0.5),
        TypeError,
        ["key"],
    ),
    (
        "dropout_forward-train-int",
        lambda: layers.dropout_forward(Z, 0.5, key=KEY, train=0),
        TypeError,
        ["train", "True or False"],
    ),
    (
        "dropout_forward-a-cplx",
        lambda: layers.dropout_forward(CPLX, 0.5, key=KEY),
        TypeError,
        ["a"],
    ),
    (
        "dropout_backward-keep_prob-inf",
        lambda: layers.dropout_backward(Z, Z, math.inf),
        ValueError,
        ["keep_prob"],
    ),
    (
        "dropout_backward-mask-shape",
        lambda: layers.dropout_backward(Z, Z[:, :2], 0.5),
        ValueError,
        ["mask", "dy"],
    ),
    (
        "dropout_backward-dy-None",
        lambda: layers.dropout_backward(None, Z, 0.5),
        TypeError,
        ["dy"],
    ),
    ("bn_init_state-n-float", lambda: layers.bn_init_state(2.5), TypeError, ["n"]),
    ("bn_init_state-n-0", lambda: layers.bn_init_state(0), ValueError, ["n", "1"]),
    (
        "bn_init_state-dtype",
        lambda: layers.bn_init_state(2, jnp.int32),
        TypeError,
        ["dtype"],
    ),
    (
        "batchnorm_forward-z-cplx",
        lambda: layers.batchnorm_forward(
            CPLX, jnp.ones((3, 1)), jnp.zeros((3, 1)), layers.bn_init_state(3)
        ),
        TypeError,
        ["z"],
    ),
    (
        "batchnorm_forward-eps-inf",
        lambda: layers.batchnorm_forward(
            Z,
            jnp.ones((3, 1)),
            jnp.zeros((3, 1)),
            layers.bn_init_state(3),
            eps=math.inf,
        ),
        ValueError,
        ["eps", "finite"],
    ),
    (
        "batchnorm_forward-momentum-1",
        lambda: layers.batchnorm_forward(
            Z, jnp.ones((3, 1)), jnp.zeros((3, 1)), layers.bn_init_state(3), momentum=1
        ),
        ValueError,
        ["momentum", "[0, 1)"],
    ),
    (
        "batchnorm_forward-train-str",
        lambda: layers.batchnorm_forward(
            Z, jnp.ones((3, 1)), jnp.zeros((3, 1)), layers.bn_init_state(3), train="no"
        ),
        TypeError,
        ["train"],
    ),
    (
        "batchnorm_forward-state-None",
        lambda: layers.batchnorm_forward(Z, jnp.ones((3, 1)), jnp.zeros((3, 1)), None),
        TypeError,
        ["bn_state", "BNState"],
    ),
    (
        "batchnorm_backward-dout-shape",
        lambda: layers.batchnorm_backward(Z[:, :2], _bn_cache()),
        ValueError,
        ["dout"],
    ),
    (
        "batchnorm_backward-cache-tuple",
        lambda: layers.batchnorm_backward(Z, (1, 2)),
        TypeError,
        ["cache", "BNCache"],
    ),
    # losses
    (
        "binary_cross_entropy-AL-str",
        lambda: losses.binary_cross_entropy(STR, Y),
        TypeError,
        ["AL"],
    ),
    (
        "binary_cross_entropy-clip-0.5",
        lambda: losses.binary_cross_entropy(Y, Y, clip=0.5),
        ValueError,
        ["clip", "(0, 0.5)"],
    ),
    (
        "bce_from_logits-Y-cplx",
        lambda: losses.binary_cross_entropy_from_logits(Y, CPLX[:1]),
        TypeError,
        ["Y"],
    ),
    ("cross_entropy-A-None", lambda: losses.cross_entropy(None, Z), TypeError, ["A"]),
    (
        "cross_entropy-clip-inf",
        lambda: losses.cross_entropy(Z, Z, clip=math.inf),
        ValueError,
        ["clip"],
    ),
    (
        "softmax_cross_entropy-shape",
        lambda: losses.softmax_cross_entropy(Z, Y),
        ValueError,
        ["Z", "Y"],
    ),
    (
        "softmax_cross_entropy_backward-obj",
        lambda: losses.softmax_cross_entropy_backward(OBJ, OBJ),
        TypeError,
        ["Z"],
    ),
    ("mse-Y-str", lambda: losses.mse(Y, STR), TypeError, ["Y"]),
    ("weight_names-list", lambda: losses.weight_names([1]), TypeError, ["params"]),
    (
        "l2_penalty-lambd-inf",
        lambda: losses.l2_penalty(PARAMS, math.inf, 8),
        ValueError,
        ["lambd", "finite"],
    ),
    (
        "l2_penalty-m-float",
        lambda: losses.l2_penalty(PARAMS, 0.1, 8.5),
        TypeError,
        ["m", "integer"],
    ),
    (
        "l2_penalty-params-None",
        lambda: losses.l2_penalty(None, 0.1, 8),
        TypeError,
        ["params"],
    ),
    (
        "l1_penalty-lambd-str",
        lambda: losses.l1_penalty(PARAMS, "0.1", 8),
        TypeError,
        ["lambd"],
    ),
    ("l1_penalty-m-0", lambda: losses.l1_penalty(PARAMS, 0.1, 0), ValueError, ["m"]),
    (
        "l2_grad-lambd-neg",
        lambda: losses.l2_grad(Z, -1.0, 8),
        ValueError,
        ["lambd", "[0, inf)"],
    ),
    ("l2_grad-W-None", lambda: losses.l2_grad(None, 0.1, 8), TypeError, ["W"]),
    ("l1_grad-m-None", lambda: losses.l1_grad(Z, 0.1, None), TypeError, ["m"]),
    ("l1_grad-W-cplx", lambda: losses.l1_grad(CPLX, 0.1, 8), TypeError, ["W"]),
    # model
    ("MLPConfig-dims", lambda: model.MLPConfig((2, 0)), ValueError, ["layer_dims[1]"]),
    (
        "MLPConfig-hidden",
        lambda: model.MLPConfig((2, 3, 1), hidden="gelu"),
        ValueError,
        ["hidden"],
    ),
    (
        "MLPConfig-output",
        lambda: model.MLPConfig((2, 1), output="tanh"),
        ValueError,
        ["output"],
    ),
    (
        "MLPConfig-keep_prob-str",
        lambda: model.MLPConfig((2, 3, 1), keep_prob="0.5"),
        TypeError,
        ["keep_prob"],
    ),
    (
        "MLPConfig-keep_prob-None",
        lambda: model.MLPConfig((2, 3, 1), keep_prob=None),
        TypeError,
        ["keep_prob"],
    ),
    (
        "MLPConfig-lambd-inf",
        lambda: model.MLPConfig((2, 3, 1), lambd=math.inf),
        ValueError,
        ["lambd", "finite"],
    ),
    (
        "MLPConfig-lambd-cplx",
        lambda: model.MLPConfig((2, 3, 1), lambd=1j),
        TypeError,
        ["lambd"],
    ),
    (
        "MLPConfig-dropout-str",
        lambda: model.MLPConfig((2, 3, 1), dropout="yes"),
        TypeError,
        ["dropout"],
    ),
    (
        "MLPConfig-reg",
        lambda: model.MLPConfig((2, 3, 1), reg="l3"),
        ValueError,
        ["reg"],
    ),
    (
        "MLPConfig-bn_eps-nan",
        lambda: model.MLPConfig((2, 3, 1), bn_eps=math.nan),
        ValueError,
        ["bn_eps"],
    ),
    (
        "MLPConfig.replace-keep_prob",
        lambda: CFG.replace(keep_prob=1.5),
        ValueError,
        ["keep_prob", "(0, 1]"],
    ),
    (
        "init_params-config",
        lambda: model.init_params(KEY, {"layer_dims": (2, 1)}),
        TypeError,
        ["config", "MLPConfig"],
    ),
    (
        "init_params-key-batch",
        lambda: model.init_params(KEYS, CFG),
        ValueError,
        ["key", "batch"],
    ),
    ("init_state-config", lambda: model.init_state(None), TypeError, ["config"]),
    (
        "init_state-dtype",
        lambda: model.init_state(BN_CFG, "int8"),
        TypeError,
        ["dtype"],
    ),
    (
        "forward-X-nan",
        lambda: model.forward(PARAMS, NAN_X, CFG),
        ValueError,
        ["X", "NaN"],
    ),
    (
        "forward-X-inf",
        lambda: model.forward(PARAMS, INF_X, CFG),
        ValueError,
        ["X", "inf"],
    ),
    (
        "forward-X-int",
        lambda: model.forward(PARAMS, X.astype(jnp.int32), CFG),
        TypeError,
        ["X", "float"],
    ),
    (
        "forward-X-cplx",
        lambda: model.forward(PARAMS, X.astype(jnp.complex64), CFG),
        TypeError,
        ["X"],
    ),
    ("forward-params-None", lambda: model.forward(None, X, CFG), TypeError, ["params"]),
    (
        "forward-config",
        lambda: model.forward(PARAMS, X, "mlp"),
        TypeError,
        ["config", "MLPConfig"],
    ),
    (
        "forward-train-int",
        lambda: model.forward(PARAMS, X, CFG, train=1),
        TypeError,
        ["train"],
    ),
    (
        "forward-key-batch",
        lambda: model.forward(PARAMS, X, CFG.replace(dropout=True), key=KEYS),
        ValueError,
        ["key", "batch"],
    ),
    (
        "backward-AL-str",
        lambda: model.backward(STR, Y, (), CFG, PARAMS),
        TypeError,
        ["AL"],
    ),
    (
        "backward-Y-shape",
        lambda: model.backward(Y, Z, (), CFG, PARAMS),
        ValueError,
        ["Y"],
    ),
    (
        "backward-caches",
        lambda: model.backward(Y, Y, None, CFG, PARAMS),
        TypeError,
        ["caches"],
    ),
    (
        "backward-config",
        lambda: model.backward(Y, Y, (), None, PARAMS),
        TypeError,
        ["config"],
    ),
    (
        "cost_and_state-Y-nan",
        lambda: model.cost_and_state(PARAMS, X, Y.at[0, 0].set(jnp.nan), CFG),
        ValueError,
        ["Y", "NaN"],
    ),
    (
        "cost_and_state-state",
        lambda: model.cost_and_state(BN_PARAMS, X, Y, BN_CFG, train=False, state=[1]),
        TypeError,
        ["state"],
    ),
    ("loss-X-None", lambda: model.loss(PARAMS, None, Y, CFG), TypeError, ["X"]),
    (
        "loss-Y-cplx",
        lambda: model.loss(PARAMS, X, Y.astype(jnp.complex64), CFG),
        TypeError,
        ["Y"],
    ),
    (
        "loss-train-str",
        lambda: model.loss(PARAMS, X, Y, CFG, train="yes"),
        TypeError,
        ["train"],
    ),
    (
        "predict-X-nan",
        lambda: model.predict(PARAMS, NAN_X, CFG),
        ValueError,
        ["X", "NaN"],
    ),
    (
        "predict-params-list",
        lambda: model.predict([PARAMS], X, CFG),
        TypeError,
        ["params"],
    ),
    ("accuracy-AL-None", lambda: model.accuracy(None, Y), TypeError, ["AL"]),
    ("accuracy-Y-str", lambda: model.accuracy(Y, STR), TypeError, ["Y"]),
    ("accuracy-shape", lambda: model.accuracy(Y, Z), ValueError, ["AL", "Y"]),
    (
        "accuracy-cplx",
        lambda: model.accuracy(CPLX, Z),
        TypeError,
        ["AL", "complex"],
    ),
    (
        "layer_stats-X-nan",
        lambda: model.layer_stats(PARAMS, NAN_X, Y, CFG),
        ValueError,
        ["X", "NaN"],
    ),
    (
        "layer_stats-key-batch",
        lambda: model.layer_stats(PARAMS, X, Y, CFG.replace(dropout=True), key=KEYS),
        ValueError,
        ["key", "batch"],
    ),
    # gradcheck
    (
        "relative_error-None",
        lambda: gradcheck.relative_error(None, Z),
        TypeError,
        ["a"],
    ),
    (
        "relative_error-cplx",
        lambda: gradcheck.relative_error(Z, CPLX),
        TypeError,
        ["b", "complex"],
    ),
    (
        "relative_error-str",
        lambda: gradcheck.relative_error(STR, Z),
        TypeError,
        ["a"],
    ),
    (
        "numerical_grad-loss_fn",
        lambda: gradcheck.numerical_grad("J", G),
        TypeError,
        ["loss_fn", "callable"],
    ),
    (
        "numerical_grad-eps-inf",
        lambda: gradcheck.numerical_grad(_quadratic, G, math.inf),
        ValueError,
        ["eps"],
    ),
    (
        "numerical_grad-method",
        lambda: gradcheck.numerical_grad(_quadratic, G, method="central"),
        ValueError,
        ["method"],
    ),
    (
        "numerical_grad-params-nan",
        lambda: gradcheck.numerical_grad(_quadratic, {"W": jnp.array([jnp.nan])}),
        ValueError,
        ["params['W']", "NaN"],
    ),
    (
        "numerical_grad-params-cplx",
        lambda: gradcheck.numerical_grad(_quadratic, {"W": CPLX}),
        TypeError,
        ["params['W']"],
    ),
    (
        "grad_check-grads-None",
        lambda: gradcheck.grad_check(_quadratic, G, None),
        TypeError,
        ["grads"],
    ),
    (
        "grad_check-threshold-inf",
        lambda: gradcheck.grad_check(_quadratic, G, G, threshold=math.inf),
        ValueError,
        ["threshold", "finite"],
    ),
    (
        "grad_check-grads-nan",
        lambda: gradcheck.grad_check(_quadratic, G, {"W": jnp.full((2, 2), jnp.nan)}),
        ValueError,
        ["grads['W']", "NaN"],
    ),
    (
        "grad_check-loss_fn",
        lambda: gradcheck.grad_check(None, G, G),
        TypeError,
        ["loss_fn"],
    ),
    (
        "check_model-config",
        lambda: gradcheck.check_model(PARAMS, X, Y, None),
        TypeError,
        ["config", "MLPConfig"],
    ),
    (
        "check_model-X-nan",
        lambda: gradcheck.check_model(PARAMS, NAN_X, Y, CFG),
        ValueError,
        ["X", "NaN"],
    ),
    (
        "check_model-backward",
        lambda: gradcheck.check_model(PARAMS, X, Y, CFG, backward="mine"),
        TypeError,
        ["backward", "callable"],
    ),
    (
        "check_model-key-batch",
        lambda: gradcheck.check_model(PARAMS, X, Y, CFG, key=KEYS),
        ValueError,
        ["key", "batch"],
    ),
    # optim
    ("gd-lr-inf", lambda: optim.gd(math.inf), ValueError, ["learning_rate", "finite"]),
    ("gd-lr-None", lambda: optim.gd(None), TypeError, ["learning_rate"]),
    ("sgd-lr-str", lambda: optim.sgd("0.1"), TypeError, ["learning_rate"]),
    ("sgd-lr-cplx", lambda: optim.sgd(1j), TypeError, ["learning_rate"]),
    (
        "momentum-beta-1",
        lambda: optim.momentum(0.1, beta=1.0),
        ValueError,
        ["beta", "[0, 1)"],
    ),
    ("momentum-beta-None", lambda: optim.momentum(0.1, None), TypeError, ["beta"]),
    ("rmsprop-eps-inf", lambda: optim.rmsprop(0.1, eps=math.inf), ValueError, ["eps"]),
    ("rmsprop-beta-nan", lambda: optim.rmsprop(0.1, math.nan), ValueError, ["beta"]),
    ("adam-beta1-str", lambda: optim.adam(0.1, "0.9"), TypeError, ["beta1"]),
    ("adam-beta2-2", lambda: optim.adam(0.1, beta2=2.0), ValueError, ["beta2"]),
    (
        "adam-bias_correction-int",
        lambda: optim.adam(0.1, bias_correction=1),
        TypeError,
        ["bias_correction"],
    ),
    (
        "adam-update-grads-cplx",
        lambda: _opt_update(optim.adam(0.1), {"W": jnp.ones((2, 2), jnp.complex64)}),
        TypeError,
        ["grads"],
    ),
    (
        "gd-init-params-str",
        lambda: optim.gd(0.1).init({"W": STR}),
        TypeError,
        ["params"],
    ),
    (
        "apply_updates-structure",
        lambda: optim.apply_updates(G, {"V": jnp.ones((2, 2))}),
        ValueError,
        ["params", "updates"],
    ),
    (
        "apply_updates-cplx",
        lambda: optim.apply_updates(G, {"W": jnp.ones((2, 2), jnp.complex64)}),
        TypeError,
        ["updates"],
    ),
    ("global_norm-str", lambda: optim.global_norm({"W": STR}), TypeError, ["tree"]),
    ("global_norm-None", lambda: optim.global_norm(None), TypeError, ["tree"]),
    (
        "clip_grads_by_value-inf",
        lambda: optim.clip_grads_by_value(G, math.inf),
        ValueError,
        ["clip_value", "finite"],
    ),
    (
        "clip_grads_by_value-grads-obj",
        lambda: optim.clip_grads_by_value({"W": OBJ}, 1.0),
        TypeError,
        ["grads"],
    ),
    (
        "clip_grads_by_global_norm-str",
        lambda: optim.clip_grads_by_global_norm(G, "1"),
        TypeError,
        ["max_norm"],
    ),
    ("clip_by_value-0", lambda: optim.clip_by_value(0.0), ValueError, ["clip_value"]),
    (
        "clip_by_global_norm-None",
        lambda: optim.clip_by_global_norm(None),
        TypeError,
        ["max_norm"],
    ),
    (
        "chain-str",
        lambda: optim.chain(optim.gd(0.1), "adam"),
        TypeError,
        ["transforms[1]"],
    ),
    # schedules
    ("constant-inf", lambda: schedules.constant(math.inf), ValueError, ["alpha0"]),
    (
        "constant-step-nan",
        lambda: schedules.constant(0.1)(math.nan),
        ValueError,
        ["step"],
    ),
    (
        "constant-step-str",
        lambda: schedules.constant(0.1)("3"),
        TypeError,
        ["step"],
    ),
    (
        "inverse_time_decay-rate-inf",
        lambda: schedules.inverse_time_decay(0.1, math.inf),
        ValueError,
        ["decay_rate", "finite"],
    ),
    (
        "inverse_time_decay-spe-float",
        lambda: schedules.inverse_time_decay(0.1, 1.0, 2.5),
        TypeError,
        ["steps_per_epoch", "integer"],
    ),
    (
        "inverse_time_decay-step-neg",
        lambda: schedules.inverse_time_decay(0.1, 1.0)(-1),
        ValueError,
        ["step"],
    ),
    (
        "exponential_decay-base",
        lambda: schedules.exponential_decay(0.1, 1.5),
        ValueError,
        ["base", "(0, 1]"],
    ),
    (
        "inverse_sqrt_decay-k-None",
        lambda: schedules.inverse_sqrt_decay(0.1, None),
        TypeError,
        ["k"],
    ),
    (
        "staircase_decay-epochs_per_drop",
        lambda: schedules.staircase_decay(0.1, 0.5, 1.5),
        TypeError,
        ["epochs_per_drop"],
    ),
    (
        "staircase_decay-drop-inf",
        lambda: schedules.staircase_decay(0.1, math.inf),
        ValueError,
        ["drop"],
    ),
    (
        "make_schedule-name",
        lambda: schedules.make_schedule("cosine", 0.1, 0.5),
        ValueError,
        ["cosine", "exponential"],
    ),
    (
        "make_schedule-rate",
        lambda: schedules.make_schedule("exponential", 0.1, 2.0),
        ValueError,
        ["rate", "(0, 1]"],
    ),
    (
        "make_schedule-rate-str",
        lambda: schedules.make_schedule("inverse_time", 0.1, "1"),
        TypeError,
        ["rate"],
    ),
    (
        "make_schedule-constant-rate-str",
        lambda: schedules.make_schedule("constant", 0.1, "1"),
        TypeError,
        ["rate"],
    ),
    # ewa
    (
        "ewa-theta-nan",
        lambda: ewa.ewa(jnp.array([1.0, jnp.nan]), 0.9),
        ValueError,
        ["theta"],
    ),
    ("ewa-theta-cplx", lambda: ewa.ewa(CPLX, 0.9), TypeError, ["theta"]),
    ("ewa-theta-None", lambda: ewa.ewa(None, 0.9), TypeError, ["theta"]),
    ("ewa-beta-1", lambda: ewa.ewa(X, 1.0), ValueError, ["beta", "[0, 1)"]),
    ("ewa-beta-str", lambda: ewa.ewa(X, "0.9"), TypeError, ["beta"]),
    (
        "ewa-bias_correction-int",
        lambda: ewa.ewa(X, 0.9, 1),
        TypeError,
        ["bias_correction"],
    ),
    ("ewa-v0-inf", lambda: ewa.ewa(X, 0.9, v0=math.inf), ValueError, ["v0"]),
    ("effective_window-None", lambda: ewa.effective_window(None), TypeError, ["beta"]),
    ("effective_window-1", lambda: ewa.effective_window(1.0), ValueError, ["beta"]),
    ("ewa_weights-t-float", lambda: ewa.ewa_weights(2.5, 0.9), TypeError, ["t"]),
    (
        "ewa_weights-beta-inf",
        lambda: ewa.ewa_weights(3, math.inf),
        ValueError,
        ["beta"],
    ),
    (
        "ewa_weights-bias_correction-str",
        lambda: ewa.ewa_weights(3, 0.9, "yes"),
        TypeError,
        ["bias_correction"],
    ),
    # data
    ("Normalizer.fit-nan", lambda: data.Normalizer.fit(NAN_X), ValueError, ["X_train"]),
    ("Normalizer.fit-cplx", lambda: data.Normalizer.fit(CPLX), TypeError, ["X_train"]),
    (
        "Normalizer.fit-eps-inf",
        lambda: data.Normalizer.fit(X, math.inf),
        ValueError,
        ["eps"],
    ),
    (
        "Normalizer.transform-inf",
        lambda: data.Normalizer.fit(X).transform(INF_X),
        ValueError,
        ["X", "inf"],
    ),
    (
        "Normalizer.inverse_transform-None",
        lambda: data.Normalizer.fit(X).inverse_transform(None),
        TypeError,
        ["X_norm"],
    ),
    ("make_moons-key-None", lambda: data.make_moons(None), TypeError, ["key"]),
    (
        "make_moons-key-batch",
        lambda: data.make_moons(KEYS),
        ValueError,
        ["key", "batch"],
    ),
    (
        "make_moons-m-float",
        lambda: data.make_moons(KEY, 10.0),
        TypeError,
        ["m", "integer"],
    ),
    (
        "make_moons-noise-inf",
        lambda: data.make_moons(KEY, 10, math.inf),
        ValueError,
        ["noise"],
    ),
    (
        "make_circles-factor",
        lambda: data.make_circles(KEY, factor=1.0),
        ValueError,
        ["factor"],
    ),
    (
        "make_circles-noise-str",
        lambda: data.make_circles(KEY, noise="a"),
        TypeError,
        ["noise"],
    ),
    (
        "make_spirals-n_classes",
        lambda: data.make_spirals(KEY, n_classes=1),
        ValueError,
        ["n_classes"],
    ),
    (
        "make_spirals-turns-inf",
        lambda: data.make_spirals(KEY, turns=math.inf),
        ValueError,
        ["turns"],
    ),
    ("make_blobs-m-None", lambda: data.make_blobs(KEY, None), TypeError, ["m"]),
    (
        "make_blobs-radius-nan",
        lambda: data.make_blobs(KEY, radius=math.nan),
        ValueError,
        ["radius"],
    ),
    (
        "one_hot-y-nan",
        lambda: data.one_hot(jnp.array([0.0, jnp.nan]), 2),
        ValueError,
        ["y"],
    ),
    ("one_hot-y-str", lambda: data.one_hot(STR, 2), TypeError, ["y"]),
    ("one_hot-y-frac", lambda: data.one_hot(jnp.array([0.5]), 2), ValueError, ["y"]),
    (
        "one_hot-num_classes",
        lambda: data.one_hot(jnp.array([0]), 2.0),
        TypeError,
        ["num_classes"],
    ),
    ("load_digits-arg", lambda: data.load_digits(1), TypeError, []),
    (
        "train_dev_test_split-key-batch",
        lambda: data.train_dev_test_split(KEYS, X, Y),
        ValueError,
        ["key", "batch"],
    ),
    (
        "train_dev_test_split-X-nan",
        lambda: data.train_dev_test_split(KEY, NAN_X, Y),
        ValueError,
        ["X", "NaN"],
    ),
    (
        "train_dev_test_split-Y-cplx",
        lambda: data.train_dev_test_split(KEY, X, CPLX[:1]),
        TypeError,
        ["Y"],
    ),
    (
        "train_dev_test_split-fractions",
        lambda: data.train_dev_test_split(KEY, X, Y, (0.5, 0.5, math.nan)),
        ValueError,
        ["fractions"],
    ),
    (
        "num_mini_batches-float",
        lambda: data.num_mini_batches(10, 2.0),
        TypeError,
        ["mini_batch_size", "integer"],
    ),
    (
        "num_mini_batches-m-None",
        lambda: data.num_mini_batches(None, 2),
        TypeError,
        ["m"],
    ),
    (
        "random_mini_batches-size",
        lambda: data.random_mini_batches(X, Y, 0, KEY),
        ValueError,
        ["mini_batch_size"],
    ),
    (
        "random_mini_batches-X-inf",
        lambda: data.random_mini_batches(INF_X, Y, 4, KEY),
        ValueError,
        ["X", "inf"],
    ),
    (
        "random_mini_batches-key-batch",
        lambda: data.random_mini_batches(X, Y, 4, KEYS),
        ValueError,
        ["key", "batch"],
    ),
    (
        "random_mini_batches-key-first",
        lambda: data.random_mini_batches(KEY, X, Y, 4),
        TypeError,
        ["X", "key last"],
    ),
    (
        "make_temperature-days",
        lambda: data.make_temperature(KEY, 1.5),
        TypeError,
        ["days"],
    ),
    (
        "make_temperature-noise-inf",
        lambda: data.make_temperature(KEY, 10, math.inf),
        ValueError,
        ["noise"],
    ),
    # train
    (
        "Hyper.validate-lr-inf",
        lambda: train.Hyper(learning_rate=math.inf).validate(),
        ValueError,
        ["learning_rate", "finite"],
    ),
    (
        "Hyper.validate-lr-str",
        lambda: train.Hyper(learning_rate="0.1").validate(),
        TypeError,
        ["learning_rate"],
    ),
    (
        "Hyper.validate-clip-None",
        lambda: train.Hyper(clip=None).validate(),
        TypeError,
        ["clip"],
    ),
    (
        "Hyper.validate-decay_rate-inf",
        lambda: train.Hyper(decay_rate=math.inf).validate(),
        ValueError,
        ["decay_rate"],
    ),
    (
        "make_optimizer-name",
        lambda: train.make_optimizer("nadam", HP),
        ValueError,
        ["optimizer", "adam"],
    ),
    (
        "make_optimizer-hp-lr",
        lambda: train.make_optimizer("adam", HP._replace(learning_rate=-1.0)),
        ValueError,
        ["learning_rate"],
    ),
    (
        "make_optimizer-hp-clip",
        lambda: train.make_optimizer("gd", HP._replace(clip=0.0), clip="norm"),
        ValueError,
        ["clip", "(0, inf)"],
    ),
    (
        "make_optimizer-decay_rate",
        lambda: train.make_optimizer(
            "gd", HP._replace(decay_rate=2.0), schedule="exponential"
        ),
        ValueError,
        ["decay_rate", "(0, 1]"],
    ),
    (
        "make_optimizer-hp-dict",
        lambda: train.make_optimizer("gd", {"learning_rate": 0.1}),
        TypeError,
        ["hp", "Hyper"],
    ),
    (
        "make_optimizer-bias_correction",
        lambda: train.make_optimizer("adam", HP, bias_correction="no"),
        TypeError,
        ["bias_correction"],
    ),
    (
        "make_optimizer-steps_per_epoch",
        lambda: train.make_optimizer("adam", HP, steps_per_epoch=2.5),
        TypeError,
        ["steps_per_epoch"],
    ),
    (
        "make_train_step-config",
        lambda: train.make_train_step(None),
        TypeError,
        ["config", "MLPConfig"],
    ),
    (
        "make_train_step-optimizer",
        lambda: train.make_train_step(CFG, "sgdm"),
        ValueError,
        ["optimizer"],
    ),
    (
        "make_train_step-grad",
        lambda: train.make_train_step(CFG, grad="numeric"),
        ValueError,
        ["grad"],
    ),
    (
        "make_train_step-bias_correction",
        lambda: train.make_train_step(CFG, bias_correction=0),
        TypeError,
        ["bias_correction"],
    ),
    (
        "train_step-hp-inf",
        lambda: train.make_train_step(CFG)[1](
            PARAMS, None, {}, X, Y, KEY, HP._replace(beta1=math.inf)
        ),
        ValueError,
        ["beta1"],
    ),
    (
        "train_step-X-nan",
        lambda: train.make_train_step(CFG)[1](PARAMS, None, {}, NAN_X, Y, KEY, HP),
        ValueError,
        ["X", "NaN"],
    ),
    (
        "train_step-key-batch",
        lambda: train.make_train_step(CFG)[1](PARAMS, None, {}, X, Y, KEYS, HP),
        ValueError,
        ["key", "batch"],
    ),
    ("fit-key-batch", lambda: train.fit(KEYS, X, Y, CFG), ValueError, ["key", "batch"]),
    ("fit-X-nan", lambda: train.fit(KEY, NAN_X, Y, CFG), ValueError, ["X", "NaN"]),
    ("fit-X-cplx", lambda: train.fit(KEY, CPLX[:2], Y, CFG), TypeError, ["X"]),
    (
        "fit-Y-inf",
        lambda: train.fit(KEY, X, Y.at[0, 1].set(jnp.inf), CFG),
        ValueError,
        ["Y", "inf"],
    ),
    ("fit-Y-str", lambda: train.fit(KEY, X, STR, CFG), TypeError, ["Y"]),
    (
        "fit-config",
        lambda: train.fit(KEY, X, Y, None),
        TypeError,
        ["config", "MLPConfig"],
    ),
    (
        "fit-hp-lr-inf",
        lambda: train.fit(KEY, X, Y, CFG, HP._replace(learning_rate=math.inf)),
        ValueError,
        ["learning_rate"],
    ),
    (
        "fit-hp-keep_prob-str",
        lambda: train.fit(KEY, X, Y, CFG, HP._replace(keep_prob="1")),
        TypeError,
        ["keep_prob"],
    ),
    (
        "fit-num_steps-float",
        lambda: train.fit(KEY, X, Y, CFG, num_steps=10.0),
        TypeError,
        ["num_steps"],
    ),
    (
        "fit-batch_size-0",
        lambda: train.fit(KEY, X, Y, CFG, batch_size=0),
        ValueError,
        ["batch_size"],
    ),
    (
        "fit-init_scale-inf",
        lambda: train.fit(KEY, X, Y, CFG, init_scale=math.inf),
        ValueError,
        ["init_scale"],
    ),
    (
        "fit-init_scheme",
        lambda: train.fit(KEY, X, Y, CFG, init_scheme="lecun"),
        ValueError,
        ["scheme"],
    ),
    (
        "fit-X_dev-nan",
        lambda: train.fit(KEY, X, Y, CFG, X_dev=NAN_X, Y_dev=Y),
        ValueError,
        ["X_dev", "NaN"],
    ),
    (
        "fit-Y_dev-shape",
        lambda: train.fit(KEY, X, Y, CFG, X_dev=X, Y_dev=Z),
        ValueError,
        ["Y_dev"],
    ),
    (
        "fit-bias_correction",
        lambda: train.fit(KEY, X, Y, CFG, bias_correction=None),
        TypeError,
        ["bias_correction"],
    ),
    ("fit-clip", lambda: train.fit(KEY, X, Y, CFG, clip="l2"), ValueError, ["clip"]),
    (
        "fit-params",
        lambda: train.fit(KEY, X, Y, CFG, params={"W1": jnp.ones((3, 2))}),
        ValueError,
        ["params"],
    ),
    (
        "fit_many-keys-one",
        lambda: train.fit_many(KEY, X, Y, CFG, HP),
        ValueError,
        ["keys"],
    ),
    (
        "fit_many-keys-None",
        lambda: train.fit_many(None, X, Y, CFG, HP),
        TypeError,
        ["keys"],
    ),
    (
        "fit_many-hps-inf",
        lambda: train.fit_many(KEYS, X, Y, CFG, HP._replace(learning_rate=math.inf)),
        ValueError,
        ["learning_rate"],
    ),
    (
        "fit_many-hps-len",
        lambda: train.fit_many(KEYS, X, Y, CFG, HP._replace(lambd=jnp.zeros(2))),
        ValueError,
        ["hps.lambd"],
    ),
    (
        "fit_many-X-nan",
        lambda: train.fit_many(KEYS, NAN_X, Y, CFG, HP),
        ValueError,
        ["X", "NaN"],
    ),
    # search
    (
        "uniform-key-batch",
        lambda: search.uniform(KEYS, 3, 0, 1),
        ValueError,
        ["key", "batch"],
    ),
    ("uniform-n-float", lambda: search.uniform(KEY, 3.0, 0, 1), TypeError, ["n"]),
    (
        "uniform-high-inf",
        lambda: search.uniform(KEY, 3, 0, math.inf),
        ValueError,
        ["high"],
    ),
    ("uniform-low-str", lambda: search.uniform(KEY, 3, "0", 1), TypeError, ["low"]),
    (
        "log_uniform-low-0",
        lambda: search.log_uniform(KEY, 3, 0.0, 1.0),
        ValueError,
        ["low"],
    ),
    (
        "log_uniform-order",
        lambda: search.log_uniform(KEY, 3, 1.0, 0.1),
        ValueError,
        ["low", "high"],
    ),
    (
        "sample_beta-high-1",
        lambda: search.sample_beta(KEY, 3, 0.9, 1.0),
        ValueError,
        ["high"],
    ),
    (
        "sample_beta-low-None",
        lambda: search.sample_beta(KEY, 3, None),
        TypeError,
        ["low"],
    ),
    (
        "grid_points-n",
        lambda: search.grid_points(1, [(0, 1)]),
        ValueError,
        ["n_per_axis"],
    ),
    (
        "grid_points-ranges-inf",
        lambda: search.grid_points(3, [(0, math.inf)]),
        ValueError,
        ["ranges"],
    ),
    (
        "grid_points-ranges-str",
        lambda: search.grid_points(3, "0,1"),
        TypeError,
        ["ranges"],
    ),
    (
        "grid_points-log_axes",
        lambda: search.grid_points(3, [(1, 2)], [1]),
        ValueError,
        ["log_axes"],
    ),
    (
        "random_points-key-None",
        lambda: search.random_points(None, 3, [(0, 1)]),
        TypeError,
        ["key"],
    ),
    (
        "random_points-ranges-None",
        lambda: search.random_points(KEY, 3, None),
        TypeError,
        ["ranges"],
    ),
    (
        "coarse_to_fine-objective",
        lambda: search.coarse_to_fine("f", KEY, [(0, 1)]),
        TypeError,
        ["objective"],
    ),
    (
        "coarse_to_fine-shrink",
        lambda: search.coarse_to_fine(jnp.sum, KEY, [(0, 1)], shrink=1.0),
        ValueError,
        ["shrink"],
    ),
    (
        "coarse_to_fine-minimize",
        lambda: search.coarse_to_fine(jnp.sum, KEY, [(0, 1)], minimize=1),
        TypeError,
        ["minimize"],
    ),
    (
        "coarse_to_fine-key-batch",
        lambda: search.coarse_to_fine(jnp.sum, KEYS, [(0, 1)]),
        ValueError,
        ["key", "batch"],
    ),
    # compile cache and the compile counter
    (
        "machine_tag-int",
        lambda: compile_cache.machine_tag(3),
        TypeError,
        ["description"],
    ),
    (
        "cpu_description-None",
        lambda: compile_cache.cpu_description(None),
        TypeError,
        ["cpuinfo"],
    ),
    ("enable-int", lambda: compile_cache.enable(3), TypeError, ["path"]),
    ("count_compiles-arg", lambda: compiles.count_compiles(1), TypeError, []),
]

# the helpers that train and gradcheck reach model and schedules through
CASES += [
    ("check_config-tuple", lambda: model.check_config((2, 1)), TypeError, ["config"]),
    (
        "check_inputs-X-nan",
        lambda: model.check_inputs(PARAMS, NAN_X, CFG),
        ValueError,
        ["X", "NaN"],
    ),
    (
        "check_inputs-train-int",
        lambda: model.check_inputs(PARAMS, X, CFG, train=1),
        TypeError,
        ["train"],
    ),
    (
        "check_inputs-params-shape",
        lambda: model.check_inputs({**PARAMS, "W1": jnp.ones((3, 3))}, X, CFG),
        ValueError,
        ["params['W1']", "(3, 2)"],
    ),
    (
        "data_cost-Y-shape",
        lambda: model.data_cost(jnp.ones((1, 8)), jnp.ones((1, 7)), CFG),
        ValueError,
        ["Y", "(1, 8)"],
    ),
    (
        "data_cost-ZL-cplx",
        lambda: model.data_cost(CPLX, Z, CFG),
        TypeError,
        ["ZL", "complex"],
    ),
    ("data_cost-config", lambda: model.data_cost(Y, Y, None), TypeError, ["config"]),
    ("penalty-m-0", lambda: model.penalty(PARAMS, CFG, 0), ValueError, ["m", "1"]),
    ("penalty-m-float", lambda: model.penalty(PARAMS, CFG, 8.0), TypeError, ["m"]),
    ("penalty-params-list", lambda: model.penalty([], CFG, 8), TypeError, ["params"]),
    (
        "check_rate-exponential",
        lambda: schedules.check_rate("decay_rate", "exponential", 1.5),
        ValueError,
        ["decay_rate", "(0, 1]"],
    ),
    (
        "check_rate-schedule",
        lambda: schedules.check_rate("decay_rate", "cosine", 0.5),
        ValueError,
        ["schedule"],
    ),
    (
        "check_rate-nan",
        lambda: schedules.check_rate("decay_rate", "inverse_time", math.nan),
        ValueError,
        ["decay_rate", "NaN"],
    ),
]


@pytest.mark.parametrize(
    ("call", "exc", "words"),
    [pytest.param(c, e, w, id=i) for i, c, e, w in CASES],
)
def test_bad_input_gets_a_clear_error(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    message = str(info.value)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"


def test_the_table_has_one_id_per_row():
    ids = [row[0] for row in CASES]
    assert len(ids) == len(set(ids))


PUBLIC_FUNCTIONS_EXEMPT = {
    # classes whose fields are plain containers (NamedTuple states, caches)
    "AdamState",
    "BNCache",
    "BNState",
    "EmptyState",
    "GradCheckReport",
    "History",
    "LayerCache",
    "LayerStats",
    "MomentumState",
    "RMSPropState",
    "ScaleState",
    "GradientTransformation",
    "DropoutWarning",
    "default_dir",  # takes no argument
}


def test_every_public_callable_of_the_core_modules_has_a_row():
    """A new public function must come with its own row of bad input."""
    covered = {row[0].split("-")[0].split(".")[0] for row in CASES}
    covered |= {"binary_cross_entropy_from_logits", "Normalizer", "Hyper", "MLPConfig"}
    missing = [
        f"{m.__name__}.{name}"
        for m in CORE
        for name in m.__all__
        if callable(getattr(m, name))
        and name not in PUBLIC_FUNCTIONS_EXEMPT
        and name not in covered
    ]
    assert not missing, missing


# ------------------------------------------------------------ NaN never vanishes
@pytest.mark.parametrize(
    "g",
    [
        activations.sigmoid,
        activations.sigmoid_grad,
        activations.tanh,
        activations.tanh_grad,
        activations.relu,
        activations.relu_grad,
        activations.leaky_relu,
        activations.leaky_relu_grad,
        activations.linear,
        activations.linear_grad,
        activations.softmax,
    ],
)
def test_activations_and_their_derivatives_keep_nan(g):
    z = jnp.array([[-1.0, 0.0], [jnp.nan, 2.0]])
    out = np.asarray(g(z))
    assert np.isnan(out[1, 0])
    assert np.isnan(out).sum() == (2 if g is activations.softmax else 1)


def test_relu_keeps_the_infinities_and_has_derivative_0_at_0():
    z = jnp.array([-jnp.inf, 0.0, jnp.inf])
    np.testing.assert_array_equal(activations.relu(z), [0.0, 0.0, jnp.inf])
    assert float(jax.grad(activations.relu)(0.0)) == 0.0


def test_a_network_with_nan_weights_reports_a_nan_cost_and_accuracy():
    params = dict(PARAMS, W1=PARAMS["W1"].at[0, 0].set(jnp.nan))
    assert np.isnan(float(model.loss(params, X, Y, CFG)))
    AL = model.predict(params, X, CFG)
    assert np.isnan(float(model.accuracy(AL, Y)))


def test_nan_gradients_show_up_in_the_update():
    grads = {"W": jnp.array([jnp.nan, 1.0])}
    opt = optim.chain(optim.clip_by_global_norm(1.0), optim.adam(0.1))
    updates, _ = opt.update(grads, opt.init(grads))
    assert np.isnan(np.asarray(updates["W"])).all()


# ------------------------------------------------- the checks never recompile
def test_checked_functions_accept_tracers_and_do_not_recompile():
    """Inside jit every checked argument is a tracer: no check reads a value."""

    @jax.jit
    def f(Z, keep_prob, lambd, lr, key):
        cfg = CFG.replace(keep_prob=keep_prob, lambd=lambd)
        A = activations.relu(Z) + activations.leaky_relu(Z, 0.1)
        A, _ = layers.dropout_forward(A, keep_prob, key=key)
        J = model.loss(PARAMS, X, Y, cfg, key=key)
        acc = model.accuracy(model.forward(PARAMS, X, cfg, key=key)[0], Y)
        opt = train.make_optimizer("adam", train.Hyper(learning_rate=lr))
        updates, _ = opt.update(PARAMS, opt.init(PARAMS))
        pen = losses.l2_penalty(PARAMS, lambd, 8)
        return jnp.sum(A) + J + acc + optim.global_norm(updates) + pen

    args = (Z, jnp.float32(0.5), jnp.float32(0.1), jnp.float32(0.01), KEY)
    new_args = (Z + 1, jnp.float32(0.8), jnp.float32(0.2), jnp.float32(0.02), KEYS[1])
    f(*args)
    with compiles.count_compiles() as c:
        out = f(*new_args)
    assert c.count == 0
    assert np.isfinite(float(out))


# ------------------------------------------------------- the documented API
CORE = [
    activations,
    init,
    layers,
    losses,
    model,
    gradcheck,
    optim,
    schedules,
    ewa,
    data,
    train,
    search,
    compiles,
    compile_cache,
]


def _documented_names() -> dict[str, list[str]]:
    """``{module: [names]}`` from docs/api.md: a ``## dlcore.x`` heading per
    module, then one ``- `name...`: what it is`` line per public name."""
    from pathlib import Path

    text = (Path(__file__).parents[1] / "docs" / "api.md").read_text("utf-8")
    names, module = {}, None
    for line in text.splitlines():
        if line.startswith("## dlcore."):
            module = line[3:].strip()
            names[module] = []
        elif line.startswith("- `") and module is not None:
            name = line[3:].split("`")[0].split("(")[0]
            names[module].append(name)
    return names


def test_docs_api_lists_exactly_each_core_modules_all():
    documented = _documented_names()
    assert sorted(documented) == sorted(m.__name__ for m in CORE)
    for m in CORE:
        assert sorted(documented[m.__name__]) == sorted(m.__all__), m.__name__
        assert len(set(m.__all__)) == len(m.__all__), m.__name__
        for name in m.__all__:
            assert hasattr(m, name), f"{m.__name__}.{name}"
