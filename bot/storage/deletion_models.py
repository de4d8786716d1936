"""Requests to delete a patient's data (migration ``0014_withdrawal_deletion``). SCAFFOLDING:
filled in this session (issue 12)."""

from __future__ import annotations
