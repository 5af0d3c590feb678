"""Listings benchmark: search and filtered lists at 1M achievements / 100k demands (see bench/README.md)."""
