"""Uploaded images: validation and re-encoding (images.py), storage, serving and demo art.

This is the only package that imports PIL; the rest of the app sees bytes, keys and sizes.
"""
