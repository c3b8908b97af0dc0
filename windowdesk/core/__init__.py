"""The rules of the window: pure functions and dataclasses.

Nothing in this package imports Qt or the database; a test keeps it that way.
"""
