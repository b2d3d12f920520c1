"""Evaluation against the gold set: scoring (metrics) and HTML report rendering (report)."""
