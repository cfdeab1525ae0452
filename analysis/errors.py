"""User-facing errors.

Every problem a user can fix (a missing path, an empty file, a bad manifest row, an
invalid parameter) is raised as :class:`AnalysisError` with a one-line message that
names the file, row or parameter and says what to do. The CLI prints the message on
stderr and exits with status 2, without a traceback.
"""

from __future__ import annotations

__all__ = ["AnalysisError", "InputWarning"]


class AnalysisError(ValueError):
    """A problem with the user's input, explained in one line."""

    def __init__(self, message: str) -> None:
        # One line, always: a multi-line message would read like a traceback.
        super().__init__(" ".join(str(message).split()))


class InputWarning(UserWarning):
    """Input was readable but not as expected (e.g. a non-UTF-8 file)."""
