"""Shared test configuration.

Hypothesis runs a fixed, derandomized number of examples so that CI is
reproducible; set ``HYPOTHESIS_PROFILE=thorough`` locally for a longer search.

The run gets its own, initially empty cache of compiled programs (see
``dlcore.compile_cache``), shared by the notebook kernels and JupyterLab that
the tests start, and removed at the end. It never reads the user's cache.
"""

import atexit
import os
import shutil
import tempfile

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

if "DLCORE_COMPILE_CACHE" not in os.environ:
    _cache = tempfile.mkdtemp(prefix="dlcore-test-jax-cache-")
    os.environ["DLCORE_COMPILE_CACHE"] = _cache
    atexit.register(shutil.rmtree, _cache, ignore_errors=True)
