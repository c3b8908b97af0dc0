"""Errors that carry a message a person can read (already translated)."""

from __future__ import annotations


class DomainError(ValueError):
    """A request the rules refuse. ``str(err)`` is the user-facing message."""


class NotFoundError(DomainError):
    """Something named by code or number does not exist."""


class ValidationError(DomainError):
    """Input that is missing or malformed."""


class StateError(DomainError):
    """An action the case's current state does not allow."""


class RuleViolation(DomainError):
    """An action one of the three window rules forbids."""
