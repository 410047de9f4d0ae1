"""The compile counter itself: the zero-recompile tests rest on it, so it must
see a compilation when one happens (a counter that never fires would pass
them all). That a load from the disk cache counts too is checked in
test_compile_cache.py."""

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
