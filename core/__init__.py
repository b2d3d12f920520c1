"""The ground floor: records, settings, text rules and storage. Imports nothing of ours."""
