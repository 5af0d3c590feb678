"""Open challenges (揭榜挂帅) and races (赛马制)."""
