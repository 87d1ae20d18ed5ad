"""Guard against the PySide6 6.12.0 regression: on Python 3.11 every Signal.emit()
leaked a reference to True, and after about a thousand emits Python aborted with
"Fatal Python error: bool_dealloc". pyproject excludes that release; this test makes
sure no installed PySide6 brings the crash back (it would kill the test process)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    plain = Signal()
    flag = Signal(bool)
    payload = Signal(object)


def test_twenty_thousand_emits_in_one_process(qapp) -> None:
    emitter = _Emitter()
    counts = {"plain": 0, "flag": 0, "payload": 0}
    emitter.plain.connect(lambda: counts.__setitem__("plain", counts["plain"] + 1))
    emitter.flag.connect(lambda value: counts.__setitem__("flag", counts["flag"] + int(value)))
    emitter.payload.connect(lambda value: counts.__setitem__("payload", counts["payload"] + 1))
    true_refs = sys.getrefcount(True)
    for _ in range(8_000):
        emitter.plain.emit()
        emitter.flag.emit(True)
    for i in range(4_000):
        emitter.payload.emit({"job_id": i})
    assert counts == {"plain": 8_000, "flag": 8_000, "payload": 4_000}
    # the 6.12.0 bug shows as True losing one reference per emit
    assert sys.getrefcount(True) >= true_refs - 100
