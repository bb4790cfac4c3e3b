"""Renderers: each takes a Report and returns text."""
