"""Guatemala's geography: departments and municipalities by INE code, name matching, boundaries, SVG maps."""
