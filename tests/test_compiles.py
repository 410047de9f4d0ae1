"""The compile counter itself: the zero-recompile tests rest on it, so it must
see a compilation when one happens (a counter that never fires would pass
them all)."""

import jax
import jax.numpy as jnp

from dlcore.compiles import count_compiles


def test_the_counter_sees_each_compilation_and_nothing_else():
    f = jax.jit(lambda x, a: a * x + 1.0)
    x7, y7, x8 = jnp.ones(7), jnp.arange(7.0), jnp.ones(8)  # made outside
    with count_compiles() as c:
        f(x7, 2.0)  # a new function: one compilation
    assert c.count == 1
    with count_compiles() as c:
        f(y7, 3.0)  # same shapes, new values: none
        f(x7, -1.0)
    assert c.count == 0
    with count_compiles() as c:
        f(x8, 2.0)  # a new shape: one more
    assert c.count == 1


def test_the_counter_stops_listening_when_the_block_ends():
    g = jax.jit(lambda x: x - 1.0)
    x = jnp.ones(3)
    with count_compiles() as c:
        pass
    g(x)  # compiled after the block
    assert c.count == 0


def test_a_program_loaded_from_the_disk_cache_counts_too(tmp_path):
    """A load from the persistent cache is not a free move either: it counts."""
    import os
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent(
        """
        import jax, jax.numpy as jnp
        import dlcore
        from dlcore.compiles import count_compiles
        hits = []
        jax.monitoring.register_event_listener(
            lambda name, **kw: hits.append(name.endswith("/cache_hits"))
        )
        x = jnp.ones((3, 3))
        hits.clear()  # count only what happens in the block
        with count_compiles() as c:
            jax.jit(lambda x: jnp.tanh(x @ x).sum())(x)
        print(c.count, sum(hits))
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("JAX_")}
    env["DLCORE_COMPILE_CACHE"] = str(tmp_path)
    runs = [
        subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True,
            text=True, check=True, timeout=120,
        ).stdout.split()[-2:]
        for _ in range(2)
    ]  # fmt: skip
    # (compilations counted, programs loaded from the cache) per process
    assert runs[0] == ["1", "0"]
    assert runs[1] == ["1", "1"]
