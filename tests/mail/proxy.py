"""A loopback TCP proxy in front of an IMAP server that cuts the connection at the worst
moment: after the server stored a message, instead of passing on its answer."""

from __future__ import annotations

import select
import socket
import threading

_CONFIRMATION = b" OK [APPENDUID "


class CuttingProxy:
    """Forwards 127.0.0.1:``port`` to the server; drops the first connection whose server
    side confirms an APPEND, without passing the confirmation on (``cuts`` counts this)."""

    def __init__(self, server_port: int, *, cuts_wanted: int = 1) -> None:
        self.server_port = server_port
        self.cuts = 0
        self._wanted = cuts_wanted
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)  # so the accepting thread notices the end
        self.port: int = self._listener.getsockname()[1]
        self._threads: list[threading.Thread] = []
        self._stopped = threading.Event()
        self._lock = threading.Lock()

    def __enter__(self) -> CuttingProxy:
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stopped.set()
        for thread in self._threads:
            thread.join(5)
        self._listener.close()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            thread = threading.Thread(target=self._pump, args=(client,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _pump(self, client: socket.socket) -> None:
        server = socket.create_connection(("127.0.0.1", self.server_port))
        tail = b""
        try:
            while not self._stopped.is_set():
                ready, _, _ = select.select([client, server], [], [], 0.2)
                for side in ready:
                    data = side.recv(1 << 16)
                    if not data:
                        return
                    if side is server:
                        if self._should_cut(tail + data):
                            return  # both sides closed below; the answer is lost
                        tail = data[-len(_CONFIRMATION) :]
                        client.sendall(data)
                    else:
                        server.sendall(data)
        except OSError:
            return
        finally:
            client.close()
            server.close()

    def _should_cut(self, data: bytes) -> bool:
        with self._lock:
            if self.cuts < self._wanted and _CONFIRMATION in data:
                self.cuts += 1
                return True
        return False
