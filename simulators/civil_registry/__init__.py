"""Dukcapil-like civil registry simulator (upper-case fields, code in the body)."""
