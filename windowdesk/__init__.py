"""WindowDesk: case handling for township government service centers."""

__version__ = "0.1.0"
