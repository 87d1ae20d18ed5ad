"""Who works on a job: a holder (this engine, in this process, on this computer).

Several processes may open one job store: the app, a second app window's process, a
cron `canvas-exports resume`. Each job must have exactly one worker, or two processes
POST two exports and append to one `.part`. The job store keeps a lease per job
(store.py `claim`/`renew`/`release`); this module says who holds it and whether that
holder is still alive, so a lease left by a crashed process (`kill -9`, a power cut)
is taken over at once on this computer, and after its expiry anywhere else.
"""

from __future__ import annotations

import os
import socket
import sys
import uuid
from dataclasses import dataclass

LEASE_TTL = 60.0
"""Seconds a lease lasts unless renewed. A live holder renews every third of it, so a
stalled event loop (a laptop waking up) has 40 s of slack; a crashed holder on another
computer (a job store on a shared drive) blocks its jobs for at most this long."""


@dataclass(frozen=True)
class Holder:
    """A lease holder: one engine instance (`id`), in process `pid` on computer `host`."""

    id: str
    host: str
    pid: int

    @classmethod
    def new(cls) -> "Holder":
        """A fresh identity for an engine in this process (two engines never share one)."""
        return cls(uuid.uuid4().hex, socket.gethostname(), os.getpid())

    def is_alive(self) -> bool:
        """False only when we know for sure: the holder ran on this computer and its
        process is gone. A holder on another computer counts as alive until its lease
        expires."""
        if self.host != socket.gethostname():
            return True
        return process_exists(self.pid)

    def describe(self) -> str:
        return f"process {self.pid} on {self.host}"


def process_exists(pid: int) -> bool:
    """Is a process with this id running on this computer?"""
    if pid <= 0:
        return False
    if sys.platform == "win32":
        return _windows_process_exists(pid)
    try:
        os.kill(pid, 0)  # signal 0: only the existence and permission checks
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True


def _windows_process_exists(pid: int) -> bool:  # pragma: no cover - Windows only
    # os.kill on Windows terminates the process whatever the signal: ask the kernel instead.
    import ctypes

    synchronize, still_active, query_limited = 0x00100000, 259, 0x1000
    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(synchronize | query_limited, False, pid)
    if not handle:
        return False
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == still_active
    finally:
        kernel32.CloseHandle(handle)
