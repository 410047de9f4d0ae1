"""dlcore.live.server: the kernel WebSocket with TCP_NODELAY, and its config file."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from unittest import mock

import pytest
from jupyter_server.services.kernels.connection.base import (
    BaseKernelWebsocketConnection,
)
from jupyter_server.services.kernels.connection.channels import (
    ZMQChannelsWebsocketConnection,
)
from jupyter_server.services.kernels.websocket import KernelWebsocketHandler
from tornado.httputil import HTTPHeaders, HTTPServerRequest, RequestStartLine
from tornado.web import Application
from traitlets.config.loader import JSONFileConfigLoader
from traitlets.utils.importstring import import_item

from dlcore.live import server

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "jupyter-config" / "jupyter_server_config.d" / "dlcore.json"


class RecordingHandler(KernelWebsocketHandler):
    """Jupyter Server's kernel WebSocket handler, recording set_nodelay calls."""

    def __init__(self):
        start = RequestStartLine("GET", "/", "HTTP/1.1")
        headers = HTTPHeaders({"Host": "127.0.0.1"})
        request = HTTPServerRequest(
            start_line=start, headers=headers, connection=mock.Mock()
        )
        super().__init__(Application(), request)
        self.nodelay_calls = []

    def set_nodelay(self, value: bool) -> None:
        self.nodelay_calls.append(value)


def test_connect_sets_nodelay_before_the_usual_connect():
    handler = RecordingHandler()
    conn = server.NoDelayKernelConnection(websocket_handler=handler)
    seen = []

    def base_connect(self):
        seen.append(list(handler.nodelay_calls))
        return "connected"

    with mock.patch.object(ZMQChannelsWebsocketConnection, "connect", base_connect):
        assert conn.connect() == "connected"
    assert seen == [[True]]  # set before Jupyter Server's own connect ran


def test_it_is_a_kernel_websocket_connection_class_jupyter_server_accepts():
    cls = server.NoDelayKernelConnection
    assert issubclass(cls, ZMQChannelsWebsocketConnection)
    assert issubclass(cls, BaseKernelWebsocketConnection)  # the trait's klass
    name = server.CONFIG["ServerApp"]["kernel_websocket_connection_class"]
    assert import_item(name) is cls


def test_tornado_set_nodelay_sets_tcp_nodelay_on_a_real_socket():
    """What the class relies on: tornado's IOStream.set_nodelay sets the
    socket option (checked on a connected pair of sockets)."""
    from tornado.iostream import IOStream

    listener = socket.create_server(("127.0.0.1", 0))
    a = socket.create_connection(listener.getsockname())
    b, _ = listener.accept()
    try:
        assert a.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
        stream = IOStream(a)
        stream.set_nodelay(True)
        assert a.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        for s in (a, b, listener):
            s.close()


def test_install_writes_the_shipped_config_and_uninstall_removes_it(tmp_path):
    path = server.install(tmp_path)
    assert path == tmp_path / "etc/jupyter/jupyter_server_config.d/dlcore.json"
    assert json.loads(path.read_text()) == server.CONFIG
    loaded = JSONFileConfigLoader(path.name, str(path.parent)).load_config()
    assert loaded.ServerApp.kernel_websocket_connection_class == (
        "dlcore.live.server.NoDelayKernelConnection"
    )
    assert server.uninstall(tmp_path) == path and not path.exists()
    server.uninstall(tmp_path)  # twice is fine


def test_the_wheel_ships_the_same_config_as_install():
    assert json.loads(SHIPPED.read_text()) == server.CONFIG


def test_main_usage_and_exit_codes(tmp_path, capsys):
    assert server.main(["bogus"]) == 2
    assert "usage" in capsys.readouterr().err
    with mock.patch.object(server.sys, "prefix", str(tmp_path)):
        assert server.main(["install"]) == 0
        assert server.config_path().exists()
        assert server.main(["uninstall"]) == 0
        assert not server.config_path().exists()


def test_this_environment_has_the_config_installed():
    """The README's install command runs ``python -m dlcore.live.server install``."""
    path = server.config_path()
    if not path.exists():
        pytest.fail(f"{path} is missing: run `python -m dlcore.live.server install`")
    assert json.loads(path.read_text()) == server.CONFIG
