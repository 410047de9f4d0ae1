"""The on-disk cache of compiled programs, switched on by ``compile_cache.enable()``.

Each check runs a fresh interpreter, because JAX decides once per process
whether it uses the cache. The oracles are JAX's own monitoring events
(``cache_hits``, ``cache_misses``) and the bitwise equality of results computed
with and without the cache.
"""

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from dlcore import compile_cache as _compile_cache

# Trains a small MLP for 50 Adam steps in one compiled call (compiling takes
# well over MIN_COMPILE_SECS) and reports what the cache did.
PROBE = textwrap.dedent(
    """
    import json
    import jax

    events = []
    jax.monitoring.register_event_listener(lambda name, **kw: events.append(name))

    import dlcore as dl

    cache_dir = dl.compile_cache.enable()
    X, Y = dl.data.make_moons(jax.random.key(0), 64, noise=0.2)
    cfg = dl.model.MLPConfig((2, 8, 1))
    h = dl.train.fit(jax.random.key(1), X, Y, cfg, num_steps=50, eval_every=50)
    print(json.dumps({
        "dir": cache_dir,
        "jax_dir": jax.config.jax_compilation_cache_dir,
        "hits": events.count("/jax/compilation_cache/cache_hits"),
        "misses": events.count("/jax/compilation_cache/cache_misses"),
        "loss": [float(v).hex() for v in h.loss],
    }))
    """
)


def run_python(script: str, **env) -> subprocess.CompletedProcess:
    """``script`` in a fresh interpreter, with no JAX or dlcore cache setting
    inherited from this one except those given in ``env``."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("JAX_")}
    full.pop(_compile_cache.ENV, None)
    full.update(env)
    return subprocess.run(
        [sys.executable, "-c", script],
        env=full,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )


def run_probe(**env) -> dict:
    out = run_python(PROBE, **env)
    report = json.loads(out.stdout.strip().splitlines()[-1])
    # XLA's own error log lines (absl format, e.g. "E1123 01:30:00.1 ...") would
    # show up in the notebook's output: loading must not produce any
    report["xla_errors"] = re.findall(r"^[EF]\d{4} .*$", out.stderr, re.MULTILINE)
    return report


@pytest.mark.slow
def test_a_second_process_loads_what_the_first_compiled(tmp_path):
    cache = tmp_path / "cache"
    first = run_probe(DLCORE_COMPILE_CACHE=str(cache))
    assert first["dir"] == first["jax_dir"] == str(cache)
    assert first["hits"] == 0 and first["misses"] >= 1
    assert any(cache.iterdir()), "nothing was written to the cache"
    second = run_probe(DLCORE_COMPILE_CACHE=str(cache))
    assert second["hits"] >= 1 and second["misses"] == 0
    assert first["xla_errors"] == second["xla_errors"] == []
    # the loaded programs compute exactly what freshly compiled ones do
    off = run_probe(DLCORE_COMPILE_CACHE="off")
    assert off["hits"] == off["misses"] == 0
    assert first["loss"] == second["loss"] == off["loss"]


@pytest.mark.parametrize("word", ["off", "0", "False", " no "])
def test_the_cache_can_be_switched_off(tmp_path, word):
    probe = run_probe(DLCORE_COMPILE_CACHE=word, XDG_CACHE_HOME=str(tmp_path))
    assert probe["dir"] is None and probe["jax_dir"] is None
    assert not (tmp_path / "dlcore").exists()


@pytest.mark.parametrize("word", [None, "on", "1", "TRUE", "yes"])
def test_the_default_directory_follows_xdg_and_the_cpu(tmp_path, word):
    env = {"XDG_CACHE_HOME": str(tmp_path)}
    if word is not None:
        env[_compile_cache.ENV] = word  # "switch it on" means the default place
    probe = run_probe(**env)
    tag = _compile_cache.machine_tag()
    assert Path(probe["dir"]) == tmp_path / "dlcore" / "jax" / tag
    assert probe["jax_dir"] == probe["dir"]
    assert re.fullmatch(r"[0-9a-f]{12}", tag)


def test_each_kind_of_cpu_gets_its_own_directory(tmp_path):
    def tag(text):
        info = tmp_path / "cpuinfo"
        info.write_text(text)
        return _compile_cache.machine_tag(_compile_cache.cpu_description(str(info)))

    skylake = "processor : 0\nmodel name : Xeon\nflags : fpu sse2 avx2 avx512f\n"
    zen = "processor : 0\nmodel name : EPYC\nflags : fpu sse2 avx2\n"
    no_avx512 = "processor : 0\nmodel name : Xeon\nflags : fpu sse2 avx2\n"
    assert len({tag(skylake), tag(zen), tag(no_avx512)}) == 3
    # the same CPU: the same tag, whatever the flags' order or the core count
    reordered = "processor : 0\nmodel name : Xeon\nflags : avx512f avx2 fpu sse2\n"
    two_cores = skylake + skylake.replace("processor : 0", "processor : 1")
    assert tag(skylake) == tag(reordered) == tag(two_cores)
    # no /proc/cpuinfo (macOS, Windows): still a tag, from the platform module
    missing = _compile_cache.cpu_description(str(tmp_path / "nowhere"))
    assert missing and re.fullmatch(
        r"[0-9a-f]{12}", _compile_cache.machine_tag(missing)
    )


def test_a_directory_chosen_for_jax_itself_is_kept(tmp_path):
    mine = tmp_path / "mine"
    probe = run_probe(JAX_COMPILATION_CACHE_DIR=str(mine), XDG_CACHE_HOME=str(tmp_path))
    assert probe["dir"] == probe["jax_dir"] == str(mine)
    assert not (tmp_path / "dlcore").exists()


def test_an_unwritable_place_means_no_cache_and_no_error(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")
    probe = run_probe(DLCORE_COMPILE_CACHE=str(blocker / "cache"))
    assert probe["dir"] is None and probe["jax_dir"] is None
    assert probe["hits"] == probe["misses"] == 0


def test_default_dir_without_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    tag = _compile_cache.machine_tag()
    assert _compile_cache.default_dir() == tmp_path / ".cache" / "dlcore" / "jax" / tag


# A program loaded from the cache, as seen by dlcore.compiles.count_compiles.
COUNT_PROBE = textwrap.dedent(
    """
    import jax, jax.numpy as jnp
    import dlcore
    from dlcore.compiles import count_compiles
    dlcore.compile_cache.enable()
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


def test_a_program_loaded_from_the_cache_counts_as_a_compilation(tmp_path):
    """A load is not a free move either: the zero-recompile tests see it."""
    runs = [
        run_python(COUNT_PROBE, DLCORE_COMPILE_CACHE=str(tmp_path)).stdout.split()[-2:]
        for _ in range(2)
    ]
    # (compilations counted, programs loaded from the cache) per process
    assert runs[0] == ["1", "0"]
    assert runs[1] == ["1", "1"]


# A process without filelock: JAX cannot evict there.
NO_EVICTION_PROBE = "import sys; sys.modules['filelock'] = None\n" + PROBE


def test_a_process_without_filelock_gets_a_directory_of_its_own(tmp_path):
    """Entries written without eviction never share a directory with a
    process that evicts (JAX's eviction cannot handle them)."""
    env = {"XDG_CACHE_HOME": str(tmp_path)}
    bounded = run_probe(**env)["dir"]
    unbounded = json.loads(
        run_python(NO_EVICTION_PROBE, **env).stdout.strip().splitlines()[-1]
    )["dir"]
    assert unbounded == bounded + "-unbounded"
    assert list(Path(bounded).iterdir()) and list(Path(unbounded).iterdir())


IMPORT_PROBE = textwrap.dedent(
    """
    import json, os
    import jax
    before = {k: getattr(jax.config, k) for k in (
        "jax_compilation_cache_dir", "jax_persistent_cache_min_compile_time_secs",
        "jax_compilation_cache_max_size", "jax_enable_x64")}
    import dlcore as dl
    after = {k: getattr(jax.config, k) for k in before}
    print(json.dumps({"same": before == after}))
    """
)


def test_import_dlcore_changes_no_jax_option_and_writes_no_file(tmp_path):
    out = run_python(IMPORT_PROBE, XDG_CACHE_HOME=str(tmp_path), HOME=str(tmp_path))
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {"same": True}
    assert list(tmp_path.iterdir()) == []
