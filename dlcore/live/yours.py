"""The "use my function" switch of a panel whose topic has an exercise.

A panel builder takes the student's function as ``yours=`` and asks::

    mine = YourFunction(yours, check_ewa, exercise="EWA with bias correction",
                        doing="to draw your ewa on the temperatures here")
    controls = {..., **mine.controls}       # {"yours": ToggleButton} or {}
    panel = Panel(controls, compute, draw, fig=fig)
    mine.attach(panel)                      # the note, if there is one

The student's function is checked quietly (:func:`dlcore.exercises.quiet_check`,
no printed line). Only when it passes does the panel get a ToggleButton "use
my function" (control ``yours``, off at first); ``compute(yours=True)`` then
runs the student's function through the notebook's demo module, eagerly and
under a time limit, and an exception lands in the panel's error log like any
other. Until it passes, the panel shows a one-line note instead. With
``yours=None`` (the panel at the top of a notebook) there is neither.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as widgets

from dlcore.exercises import quiet_check

__all__ = ["YOURS_TIME_LIMIT", "YourFunction"]

YOURS_TIME_LIMIT = 5.0  # seconds for one run of the student's function in a panel


class YourFunction:
    """The student's function for a panel: the toggle on a pass, else a note.

    Args:
        fn: the student's function, or None (no toggle, no note).
        checker: the exercise's checker, e.g. ``check_ewa``.
        exercise: the exercise's title, for the note.
        doing: what the switch does, for the note ("to race your Adam here").

    Attributes:
        fn: the student's function when it passed its check, else None.
        result: the :class:`~dlcore.exercises.CheckResult`, or None.
        toggle: the ToggleButton (None unless ``fn`` passed).
        note: the one-line HTML note (None when there is a toggle or no ``fn``).
    """

    def __init__(
        self, fn: Callable | None, checker: Callable, *, exercise: str, doing: str
    ):
        self.result = None if fn is None else quiet_check(checker, fn)
        passed = self.result is not None and self.result.passed
        self.fn = fn if passed else None
        self.toggle = self.note = None
        if passed:
            self.toggle = widgets.ToggleButton(
                False,
                description="use my function",
                icon="user",
                tooltip="draw the result of your own function",
            )
        elif fn is not None:
            self.note = widgets.HTML(
                f"<i>Finish the exercise “{html.escape(exercise)}” above "
                f"{html.escape(doing)}.</i>"
            )

    @property
    def controls(self) -> dict:
        """``{"yours": toggle}`` to add to the panel's controls, or ``{}``."""
        return {} if self.toggle is None else {"yours": self.toggle}

    def attach(self, panel) -> None:
        """Show the note (if any) in ``panel``, right above its figure."""
        if self.note is not None:
            panel.show_above_figure(self.note)
