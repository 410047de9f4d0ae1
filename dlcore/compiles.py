"""Count XLA compilations, to prove that moving a slider never recompiles.

    with count_compiles() as c:
        step(params, opt_state, ..., hp)     # new hyperparameter values
    assert c.count == 0

JAX reports every backend compilation through ``jax.monitoring``; the
counter listens for that event while the ``with`` block runs.
"""

from __future__ import annotations

import jax

__all__ = ["COMPILE_EVENT", "count_compiles"]

COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"


class count_compiles:
    """Context manager; ``.count`` is the number of compilations inside it."""

    def __enter__(self):
        self.count = 0

        def listener(name, *_, **__):
            if name == COMPILE_EVENT:
                self.count += 1

        self._listener = listener
        jax.monitoring.register_event_duration_secs_listener(listener)
        return self

    def __exit__(self, *exc):
        jax.monitoring.unregister_event_duration_listener(self._listener)
        return False
