"""Questions for the doctor (migration ``0012_doctor_questions``). SCAFFOLDING: filled in
this session (issue 12)."""

from __future__ import annotations
