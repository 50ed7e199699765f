"""The browser face: a FastAPI app serving a JSON API and pages."""
