"""Rules with no I/O: enums, validation, triage, deadlines, masking."""
