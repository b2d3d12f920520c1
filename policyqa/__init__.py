"""policyqa: cited, offline question answering over policy documents."""

__version__ = "0.1.0"
