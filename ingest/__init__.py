"""Ingest: load → clean → normalise → split → embed → upsert."""
