"""A throw-away nginx on loopback that serves one folder: the fast baseline host.

A Python HTTP server is slower than any client, so a download benchmark against the
simulator would measure the simulator. nginx serves the very same bytes fast enough
that the client under test is what limits the figure.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

NGINX_CANDIDATES = ("/usr/sbin/nginx", "nginx")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def find_nginx() -> str:
    for candidate in NGINX_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    raise SystemExit("nginx not found: install Debian's nginx-light (see .ci/run)")


@contextmanager
def serve_folder(root: Path) -> Iterator[str]:
    """Serve `root` on 127.0.0.1 and yield its base URL; nginx is stopped on exit."""
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="bench-nginx-") as tmp:
        conf = Path(tmp) / "nginx.conf"
        conf.write_text(
            f"""
daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    client_body_temp_path {tmp};
    proxy_temp_path {tmp};
    fastcgi_temp_path {tmp};
    uwsgi_temp_path {tmp};
    scgi_temp_path {tmp};
    types {{ application/zip zip imscc; }}
    server {{
        listen 127.0.0.1:{port};
        root {root};
    }}
}}
"""
        )
        proc = subprocess.Popen([find_nginx(), "-c", str(conf), "-p", tmp], stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        why = proc.stderr.read().decode() if proc.stderr else ""
                        raise SystemExit(f"nginx did not start: {why}") from None
                    time.sleep(0.05)  # waiting for an external process to listen; not test sync
            yield f"http://127.0.0.1:{port}"
        finally:
            proc.terminate()
            proc.wait(timeout=10)
