"""Jupyter Server's kernel WebSocket connection with TCP_NODELAY set.

Used by bench_path.py only, as one of the two server variants it compares
(``--ServerApp.kernel_websocket_connection_class``). Jupyter Server leaves
Nagle's algorithm on for the kernel's WebSocket; this class sets the flag
through tornado's public ``WebSocketHandler.set_nodelay`` when a page
connects. The measurement in benchmarks/results/bench_path.txt is why dlcore
does not install it: in Chromium it makes no difference.
"""

from jupyter_server.services.kernels.connection.channels import (
    ZMQChannelsWebsocketConnection,
)


class NoDelayKernelConnection(ZMQChannelsWebsocketConnection):
    """The default connection, with TCP_NODELAY on the page's socket."""

    def connect(self):
        self.websocket_handler.set_nodelay(True)
        return super().connect()
