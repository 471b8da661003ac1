"""The tool's statement store: intake API, storage semantics, progress, forwarding to LRSs.

The xAPI rules themselves (validation, builders, viewing-time union) live in the framework-free
`xapi` package; this package is the thin layer that binds them to Flask and the database.
"""
