"""Engagement and task pages, one module per concern."""
