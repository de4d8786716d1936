"""Tests of the patient-facing texts: readability (LIX) and spelling (hunspell)."""
