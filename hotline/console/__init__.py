"""The lawyer's answer-assist console: page, the article viewer, and console-only endpoints."""
