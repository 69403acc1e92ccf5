"""Statute and FAQ knowledge base: ingestion, hybrid BM25 + dense search, training, evaluation.

Pure library: no FastAPI, no database, no imports from `hotline`.
"""
