"""Bibliographic records: the model, readers per format, writers, normalised keys."""
