"""Commuting circles: definitions, who lives within 1 h / 2 h of which centre, overlaps."""
