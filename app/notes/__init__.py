"""Notes: photos, review text, tags, and the link point for a product."""
