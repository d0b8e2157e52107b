"""afilia: the IMSS seguro facultativo and student ID-card back office, driven by email."""

__version__ = "0.1.0"
