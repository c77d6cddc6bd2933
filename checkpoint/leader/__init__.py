"""The point chief's books: corrections, back-entry, overview, 136 responses."""
