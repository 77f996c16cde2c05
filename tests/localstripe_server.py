"""Run localstripe (a stateful Stripe API server) on 127.0.0.1, on a free port it prints first.

`python tests/localstripe_server.py` prints `PORT <n>` and serves until killed. Its store lives
in memory only: localstripe would otherwise write all of it to one shared file
(/tmp/localstripe.pickle) after every change, and read it back at start.
"""

from __future__ import annotations

import socket
import sys


def main() -> None:
    from localstripe import resources

    resources.Store.dump_to_disk = lambda self: None  # type: ignore[method-assign]
    resources.Store.try_load_from_disk = lambda self: None  # type: ignore[method-assign]
    from aiohttp import web
    from localstripe.server import app

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    print(f"PORT {sock.getsockname()[1]}", flush=True)
    sys.stdout.flush()
    web.run_app(app, sock=sock, print=None, access_log=None)


if __name__ == "__main__":
    main()
