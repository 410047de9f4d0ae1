"""Keep compiled XLA programs on disk, so a reopened notebook starts quickly.

Each panel's first figure waits while XLA compiles the panel's functions; on
two cores that takes one to fifteen seconds per notebook. JAX can write every
compiled program to a directory and load it again in a later process instead
of compiling it again (its "persistent compilation cache"). ``import dlcore``
switches this on, so a restarted kernel, a second Run All or the next lecture
reuses what the first run compiled.

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
the process, whether it uses the cache, so this must run before anything is
compiled; ``dlcore/__init__.py`` does it on import.
"""

from __future__ import annotations

import hashlib
import os
import platform
from pathlib import Path

ENV = "DLCORE_COMPILE_CACHE"
OFF = frozenset({"0", "off", "false", "no"})
ON = frozenset({"1", "on", "true", "yes"})  # the default directory
# Every program is kept, however quick its compile: keeping only those over
# 0.1 s left a warm Run All of the notebooks 1.5x faster than none, keeping all
# 2.0x (benchmarks/bench_startup.py, two runs; see the README).
MIN_COMPILE_SECS = 0.0
# Oldest entries are evicted beyond this size. Eviction needs the filelock
# package (pinned in requirements.txt); without it the directory is not bounded.
MAX_BYTES = 512 * 2**20
# JAX's names for an entry's files: the program, and (only when eviction is on)
# the time it was last used, as 8 little-endian bytes of time.time_ns().
CACHE_SUFFIX, ATIME_SUFFIX = "-cache", "-atime"


def cpu_description(cpuinfo: str = "/proc/cpuinfo") -> str:
    """The processor's architecture, model name and flags (Linux), as text."""
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
    """12 hex digits that differ between CPUs with different features."""
    text = cpu_description() if description is None else description
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def default_dir() -> Path:
    """``$XDG_CACHE_HOME/dlcore/jax/<cpu>``, or ``~/.cache/dlcore/jax/<cpu>``."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "dlcore" / "jax" / machine_tag()


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
    import jax

    setting = os.environ.get(ENV, "").strip()
    word = setting.lower()
    if path is None and word in OFF:
        return None
    already = jax.config.jax_compilation_cache_dir
    if already:
        return already
    if path is None:
        path = default_dir() if word in ON or not word else setting
    target = Path(path).expanduser()
    if not _writable_dir(target):
        return None
    jax.config.update("jax_compilation_cache_dir", str(target))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", MIN_COMPILE_SECS)
    try:
        import filelock  # JAX evicts old entries only with it
    except ImportError:
        pass
    else:
        add_missing_access_times(target, filelock)
        jax.config.update("jax_compilation_cache_max_size", MAX_BYTES)
    return str(target)


def add_missing_access_times(path: Path, filelock) -> int:
    """Give every cached program that lacks one an access-time file.

    JAX writes ``<key>-atime`` beside ``<key>-cache`` only when eviction is on.
    A directory filled by a process without ``filelock`` (another virtual
    environment sharing the home directory, say) has programs without one, and
    JAX's eviction, which reads the access time of every program before each
    write, then fails: every new program is left unwritten, with a warning in
    the notebook. Each missing time is taken from the program file's
    modification time, so such programs are the first to go. Runs under JAX's
    own lock file; returns how many files were added (0 when the lock is busy).
    """
    added = 0
    try:
        with filelock.FileLock(path / ".lockfile", timeout=2):
            for program in path.glob(f"*{CACHE_SUFFIX}"):
                key = program.name.removesuffix(CACHE_SUFFIX)
                atime = path / f"{key}{ATIME_SUFFIX}"
                if not atime.exists():
                    atime.write_bytes(program.stat().st_mtime_ns.to_bytes(8, "little"))
                    added += 1
    except (OSError, filelock.Timeout):
        pass
    return added
