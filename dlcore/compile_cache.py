"""Keep compiled XLA programs on disk, so a reopened notebook starts quickly.

Each panel's first figure waits while XLA compiles the panel's functions; on
two cores that takes one to fifteen seconds per notebook. JAX can write every
compiled program to a directory and load it again in a later process instead
of compiling it again (its "persistent compilation cache").
``dl.compile_cache.enable()`` switches this on (each notebook's first cell
calls it), so a restarted kernel, a second Run All or the next lecture reuses
what the first run compiled. ``import dlcore`` alone changes no JAX option and
writes no file.

The cache key covers the program, the compile options and the jaxlib version,
and XLA checks on loading that a program suits this CPU, so a stale or foreign
entry is never used: JAX compiles afresh.

Where the programs go:

- ``DLCORE_COMPILE_CACHE=off`` (or ``0``, ``false``, ``no``): nowhere.
- ``DLCORE_COMPILE_CACHE=/some/dir``: that directory.
- otherwise (unset, or ``on``, ``1``, ``true``, ``yes``):
  ``$XDG_CACHE_HOME/dlcore/jax/<cpu>``, by default ``~/.cache/dlcore/jax/<cpu>``.

``<cpu>`` is a short hash of the processor's model and instruction-set flags
(:func:`machine_tag`). A home directory shared by different machines (a
JupyterHub cluster, say) then gives each kind of CPU its own directory. XLA
would refuse a program compiled for another CPU anyway, but some jaxlib
versions log an error line while doing so, which would show in the notebook,
and two kinds of CPU would keep overwriting each other's entries.

A cache directory configured for JAX itself (``JAX_COMPILATION_CACHE_DIR`` or
``jax.config``) is left as it is. A directory that cannot be created or written
means no cache, never an error. JAX decides once, at the first compilation of
the process, whether it uses the cache, so :func:`enable` must run before
anything is compiled.

Eviction. With the ``filelock`` package (pinned in requirements.txt) JAX keeps
the directory under ``MAX_BYTES`` by evicting the least recently used
programs. A process without ``filelock`` cannot evict, and the entries it
writes lack what JAX's eviction needs, so it gets a directory of its own
(``.../<cpu>-unbounded``): the two kinds of process never share one.
"""

from __future__ import annotations

import hashlib
import os
import platform
from pathlib import Path

ENV = "DLCORE_COMPILE_CACHE"
_OFF = frozenset({"0", "off", "false", "no"})
_ON = frozenset({"1", "on", "true", "yes"})  # the default directory
# Every program is kept, however quick its compile: keeping only those over
# 0.1 s left a warm Run All of the notebooks 1.5x faster than none, keeping all
# 2.0x (benchmarks/bench_startup.py, two runs; see the README).
MIN_COMPILE_SECS = 0.0
# Oldest entries are evicted beyond this size. Eviction needs the filelock
# package (pinned in requirements.txt); without it the directory is not bounded.
MAX_BYTES = 512 * 2**20

__all__ = [
    "ENV",
    "MAX_BYTES",
    "MIN_COMPILE_SECS",
    "cpu_description",
    "default_dir",
    "enable",
    "machine_tag",
]


def cpu_description(cpuinfo: str = "/proc/cpuinfo") -> str:
    """The processor's architecture, model name and flags (Linux), as text.

    ``cpuinfo`` is the path of the file to read (a missing file is skipped).
    """
    if not isinstance(cpuinfo, (str, os.PathLike)):
        raise TypeError(f"cpuinfo must be a path, got {type(cpuinfo).__name__}")
    parts = [platform.machine(), platform.processor()]
    try:
        with open(cpuinfo, encoding="utf-8", errors="replace") as f:
            wanted = ("model name", "flags", "features", "cpu model")
            seen = set()
            for line in f:
                name, _, value = line.partition(":")
                name = name.strip().lower()
                if name in wanted and name not in seen:  # the first core's
                    seen.add(name)
                    words = value.split()
                    if name in ("flags", "features"):
                        words.sort()  # a set of features: order is noise
                    parts.append(f"{name}: {' '.join(words)}")
    except OSError:
        pass
    return "\n".join(parts)


def machine_tag(description: str | None = None) -> str:
    """12 hex digits that differ between CPUs with different features.

    ``description`` is the text to hash (None: :func:`cpu_description`).
    """
    if description is not None and not isinstance(description, str):
        raise TypeError(
            f"description must be a str or None, got {type(description).__name__}"
        )
    text = cpu_description() if description is None else description
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _can_evict() -> bool:
    try:
        import filelock  # noqa: F401  (JAX evicts old entries only with it)
    except ImportError:
        return False
    return True


def default_dir() -> Path:
    """``$XDG_CACHE_HOME/dlcore/jax/<cpu>``, or ``~/.cache/dlcore/jax/<cpu>``.

    ``<cpu>-unbounded`` when ``filelock`` is missing (see the module notes).
    """
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    suffix = "" if _can_evict() else "-unbounded"
    return Path(base) / "dlcore" / "jax" / (machine_tag() + suffix)


def _writable_dir(path: Path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return path.is_dir() and os.access(path, os.W_OK | os.X_OK)


def enable(path: str | os.PathLike | None = None) -> str | None:
    """Switch on JAX's persistent compilation cache; return the directory used.

    Args:
      path: the directory; None means ``$DLCORE_COMPILE_CACHE``, else
        ``default_dir()``.

    Returns:
      The cache directory in use, or None when the cache is off (switched off
      through ``DLCORE_COMPILE_CACHE``, or the directory is not writable).
    """
    if path is not None and not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"path must be a directory path (str or os.PathLike) or None, "
            f"got {type(path).__name__}"
        )
    import jax

    setting = os.environ.get(ENV, "").strip()
    word = setting.lower()
    if path is None and word in _OFF:
        return None
    already = jax.config.jax_compilation_cache_dir
    if already:
        return already
    if path is None:
        path = default_dir() if word in _ON or not word else setting
    target = Path(path).expanduser()
    if not _writable_dir(target):
        return None
    jax.config.update("jax_compilation_cache_dir", str(target))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", MIN_COMPILE_SECS)
    if _can_evict():
        jax.config.update("jax_compilation_cache_max_size", MAX_BYTES)
    return str(target)
