"""Faces for people: terminal tables (rich) and the self-contained HTML report."""
