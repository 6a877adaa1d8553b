"""A TCP listener on 127.0.0.1 for the tools' test peers: each accepted connection is answered on
its own thread; entering starts the accept loop, leaving stops it within a few tenths of a second."""

from __future__ import annotations

import socket
import threading
from typing import Self


class LoopbackListener:
    def __init__(self, *, backlog: int = 8) -> None:
        self._stop = threading.Event()
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(backlog)
        # The accept loop wakes up this often to notice a stop.
        self._sock.settimeout(0.2)
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def port(self) -> int:
        return int(self._sock.getsockname()[1])

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._accepted()
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _accepted(self) -> None:
        """Called in the accept loop for every connection, before it is answered."""

    def _answer(self, conn: socket.socket) -> None:
        raise NotImplementedError
