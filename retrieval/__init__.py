"""Retrieval: embeddings, store, keyword index, hybrid search, grounded answers."""
