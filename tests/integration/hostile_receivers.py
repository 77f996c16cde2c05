"""Receivers on 127.0.0.1 that misbehave, on real sockets: one trickles a byte every few seconds,
one answers something that is not HTTP, one resets the connection, one redirects."""

from __future__ import annotations

import socket
import struct
import threading
import time


class RawReceiver:
    """Accepts connections on 127.0.0.1 and hands each to `behaviour(conn, receiver)`."""

    def __init__(self, behaviour):
        self.behaviour = behaviour
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks"
        self.stop = threading.Event()
        self.connections = 0
        self.open_connections = 0
        self.received_at: list[float] = []
        self.requests: list[bytes] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with self._lock:
            self.open_connections += 1
        try:
            conn.settimeout(30)
            request = read_request(conn)
            with self._lock:
                self.received_at.append(time.monotonic())
                self.requests.append(request)
            self.behaviour(conn, self)
        except OSError:
            pass
        finally:
            with self._lock:
                self.open_connections -= 1
            try:
                conn.close()
            except OSError:
                pass

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


def read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def trickle(every: float = 8.0):
    """One byte of a valid-looking answer every `every` seconds, for as long as the client stays."""
    def behaviour(conn: socket.socket, receiver: RawReceiver) -> None:
        answer = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        for byte in answer:
            conn.sendall(bytes([byte]))
            if receiver.stop.wait(every):
                return
    return behaviour


def garbage(conn: socket.socket, receiver: RawReceiver) -> None:
    conn.sendall(b"SSH-2.0-OpenSSH_9.6 not http at all\r\n\r\n")


def reset(conn: socket.socket, receiver: RawReceiver) -> None:
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def answer(status: int, headers: dict[str, str] | None = None):
    def behaviour(conn: socket.socket, receiver: RawReceiver) -> None:
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        conn.sendall(f"HTTP/1.1 {status} X\r\n{extra}Content-Length: 0\r\nConnection: close\r\n\r\n".encode())
    return behaviour
