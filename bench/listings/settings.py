"""Settings of the listings benchmark: production settings, plus a bare JSON view as the baseline."""

from marketplace.settings import *  # noqa: F403

ROOT_URLCONF = "bench.listings.urls"
