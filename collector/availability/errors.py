"""Why the engine refuses a maintenance request, as domain errors (the HTTP API maps them to codes).

Each error's ``message`` is the sentence an operator reads; the API sends it as is.
"""

from __future__ import annotations

from collections.abc import Iterable

from collector.availability.groups import Conflict


class MaintenanceRefused(Exception):
    """A maintenance request that cannot be honoured."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidMaintenanceRequest(MaintenanceRefused):
    """The request itself is malformed: a missing reason, a time in the past, an unknown key."""


class UnknownServices(MaintenanceRefused):
    """The request names services the engine has never heard of."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = tuple(names)
        super().__init__(f"unknown service(s): {', '.join(self.names)}")


class UnknownMaintenance(MaintenanceRefused):
    """No maintenance window has this id."""

    def __init__(self, window_id: str) -> None:
        self.window_id = window_id
        super().__init__(f"no maintenance with id '{window_id}'")


class WrongMaintenancePhase(MaintenanceRefused):
    """The window is not in the phase the operation needs (it has not started, has started, or has ended)."""


class RedundancyWouldBeLost(MaintenanceRefused):
    """The work would take groups that are up now below what they need; ``conflicts`` says which and why."""

    def __init__(self, conflicts: Iterable[Conflict]) -> None:
        self.conflicts = tuple(conflicts)
        super().__init__("maintenance would leave a redundancy group down or a surviving path over its rating; "
                         "send \"force\": true to declare it anyway")

    @property
    def groups(self) -> tuple[str, ...]:
        return tuple(c.group for c in self.conflicts)

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(c.reason for c in self.conflicts)
