"""rag: cited answers, consolidated briefings and offline evaluation over news articles."""

__version__ = "0.1.0"
