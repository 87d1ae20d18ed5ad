"""Fills a :class:`DetailsPane` for the job or export selected in a view.

What the tracker and Canvas's list know is shown at once; the job store's row (what was
selected, the SHA-256, the timestamps) is read on the background thread and completes
the pane when it arrives, unless the selection moved on meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from desktop_app.app.details import NameOf, describe_job
from desktop_app.ui.bridge import Call, EngineBridge
from desktop_app.ui.details_pane import DetailsPane

if TYPE_CHECKING:
    from desktop_app.app.jobs import JobView
    from desktop_app.canvas.models import ContentExport
    from desktop_app.engine.store import Job


class JobDetails(QObject):
    """`show(view, export)`: the pane tells about that job and/or Canvas export."""

    def __init__(
        self,
        bridge: EngineBridge,
        pane: DetailsPane,
        *,
        titles: Callable[[], Mapping[str, str]],
        user_names: Callable[[], Mapping[int, str]] | None = None,
        name_of: Callable[[], NameOf | None] | None = None,
    ) -> None:
        super().__init__(pane)
        self._bridge = bridge
        self.pane = pane
        self._titles = titles
        self._user_names = user_names or (lambda: {})
        self._name_of = name_of or (lambda: None)
        self._call: Call | None = None
        self._shown: tuple[int | None, int | None] = (None, None)
        self._records: dict[int, Job] = {}
        self.last_call: Call | None = None

    def show(self, view: JobView | None, export: ContentExport | None = None) -> Call | None:
        """Show what is known now; read the job's store row when it is not cached."""
        if view is None and export is None:
            self._shown = (None, None)
            self.pane.set_details(None)
            return None
        key = (view.job_id if view is not None else None, export.id if export is not None else None)
        self._shown = key
        job = self._records.get(view.job_id) if view is not None else None
        self._render(view, job, export)
        if view is None or (
            job is not None
            and job.updated_at is not None
            and view.updated_at is not None
            and job.updated_at >= view.updated_at
        ):
            return None
        if self._call is not None and not self._call.done:
            self._call.cancel()
        from desktop_app.app import usecases

        job_id = view.job_id

        def got(record: Job | None) -> None:
            if record is not None:
                self._records[job_id] = record
            if self._shown == key:
                current = view
                self._render(current, record, export)

        self._call = self._bridge.run(lambda services: usecases.job_record(services, job_id)).then(
            got, lambda _err: None
        )
        self.last_call = self._call
        return self._call

    def _render(self, view: JobView | None, job: Job | None, export: ContentExport | None) -> None:
        self.pane.set_details(
            describe_job(
                view, job, export, titles=self._titles(), user_names=self._user_names(), name_of=self._name_of()
            )
        )
