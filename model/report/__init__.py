"""Figures and reports of a run: what users look at before they read."""
