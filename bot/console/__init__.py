"""The coordinator console: a server-rendered web UI at /console (see docs/CONSOLE.md).

Staff log in, see their teams' patients most in need first, read each patient's transcript
beside the structured answers, mark them reviewed, invite patients, export (FHIR, CSV) and see
the population view. Every read of patient data is written to the audit log.
"""
