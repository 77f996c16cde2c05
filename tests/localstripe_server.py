"""Run localstripe (a stateful Stripe API server) on 127.0.0.1, on a free port it prints first.

`python tests/localstripe_server.py` prints `PORT <n>` and serves until killed. Its store lives
in memory only: localstripe would otherwise write all of it to one shared file
(/tmp/localstripe.pickle) after every change, and read it back at start.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time


def _exit_with_parent() -> None:
    """Stop when the test session that started this server is gone, however it ended."""
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


def main() -> None:
    from localstripe import resources

    resources.Store.dump_to_disk = lambda self: None  # type: ignore[method-assign]
    resources.Store.try_load_from_disk = lambda self: None  # type: ignore[method-assign]
    from aiohttp import web
    from localstripe.server import app

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    threading.Thread(target=_exit_with_parent, daemon=True).start()
    print(f"PORT {sock.getsockname()[1]}", flush=True)
    sys.stdout.flush()
    web.run_app(app, sock=sock, print=None, access_log=None)


if __name__ == "__main__":
    main()
