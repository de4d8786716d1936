"""Export of stored responses: FHIR (and CSV)."""
