"""Seed data: versioned sets of records every environment needs, applied once each.

A seed set is a TOML file in `sets/`, named like a migration (`0001_reference_tags.toml`),
listing the environments it belongs to and its records. `flask seed run` applies the
pending sets in order, records each with a checksum of its file, and refuses to go on
when an applied set's file has changed since. `flask seed fake` fills a development
database with realistic bulk data.
"""
