"""The kernel's WebSocket in Jupyter Server, with Nagle's algorithm off.

A slider move sends a burst of small messages from the kernel to the page:
``status busy``, the slider's ``echo_update``, state updates, the figure's
frame, ``status idle``. Jupyter Server writes them on one WebSocket (a tornado
``WebSocketHandler``), which by default leaves Nagle's algorithm on: after
the first small message, the next one waits in the server until the browser
acknowledges the first, and browsers delay that acknowledgement (up to about
40 ms on Linux). tornado's documentation of ``set_nodelay`` names this case.
Measured here (``benchmarks/results/bench_path.txt``): a message that
follows ``status busy`` reached the page 3-4 ms later at the median and
about 40 ms later at p90 than with the flag set.

:class:`NoDelayKernelConnection` is Jupyter Server's own connection class
(``ZMQChannelsWebsocketConnection``) that sets ``TCP_NODELAY`` on the
socket when a page connects, through tornado's public
``WebSocketHandler.set_nodelay``. Nothing else changes: same messages, same
protocol. Jupyter Server takes the class from its documented setting
``ServerApp.kernel_websocket_connection_class``, read among others from
``<sys.prefix>/etc/jupyter/jupyter_server_config.d/*.json``. A wheel of
dlcore installs ``dlcore.json`` there; an editable install (``pip install
-e .``) cannot, so the README's install command runs::

    python -m dlcore.live.server install      # writes that file, once

It acts on the servers of this environment only (JupyterLab, Notebook 7,
Binder). ``python -m dlcore.live.server uninstall`` removes the file and
brings back the default. A server with a kernel gateway configured must keep
the gateway's own class: do not install the file there.

Other front ends (VS Code, Colab) talk to the kernel without this server and
are unaffected.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from jupyter_server.services.kernels.connection.channels import (
    ZMQChannelsWebsocketConnection,
)

__all__ = ["CONFIG", "NoDelayKernelConnection", "config_path", "install", "uninstall"]

_CLASS = "dlcore.live.server.NoDelayKernelConnection"
CONFIG = {"ServerApp": {"kernel_websocket_connection_class": _CLASS}}


class NoDelayKernelConnection(ZMQChannelsWebsocketConnection):
    """Jupyter Server's kernel WebSocket connection, with TCP_NODELAY set."""

    def connect(self):
        """Set TCP_NODELAY on the page's socket, then connect as usual."""
        self.websocket_handler.set_nodelay(True)
        return super().connect()


def config_path(prefix: str | Path | None = None) -> Path:
    """``<prefix>/etc/jupyter/jupyter_server_config.d/dlcore.json``
    (``prefix`` defaults to ``sys.prefix``, this environment)."""
    root = Path(sys.prefix if prefix is None else prefix)
    return root / "etc" / "jupyter" / "jupyter_server_config.d" / "dlcore.json"


def install(prefix: str | Path | None = None) -> Path:
    """Write :data:`CONFIG` to :func:`config_path`; returns the path."""
    path = config_path(prefix)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(CONFIG, indent=2) + "\n")
    return path


def uninstall(prefix: str | Path | None = None) -> Path:
    """Remove :func:`config_path` if it exists; returns the path."""
    path = config_path(prefix)
    path.unlink(missing_ok=True)
    return path


def main(argv: list[str] | None = None) -> int:
    """``python -m dlcore.live.server install|uninstall``."""
    args = sys.argv[1:] if argv is None else argv
    if args not in (["install"], ["uninstall"]):
        print("usage: python -m dlcore.live.server install|uninstall", file=sys.stderr)
        return 2
    path = (install if args[0] == "install" else uninstall)()
    print(f"{args[0]}ed {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
