"""Portable data (../shared/DATA-FORMAT.md): JSON Lines import and export."""
