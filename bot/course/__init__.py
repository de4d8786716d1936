"""The patient's course: plans of scheduled questionnaires, and the scheduler that opens them.

- ``plans``: the plan files (``dialogues/plans/*.yml``), loaded and validated;
- ``schedule``: pure time rules (when occurrences are due, their transitions, reminder hours);
- ``scheduler``: one pass over the database (``run_pass``), sending reminders exactly once;
- ``cli``: ``bot schedule run --now ISO-TIME``.
"""
