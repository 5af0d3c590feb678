"""The matching engine: pure Python (numpy, scipy, rjieba), no ORM, so it can be tested and benchmarked alone.

See ``index`` for the data layout, ``score`` for how text relevance and structured fit combine,
``tokenise`` and ``glossary`` for the shared Chinese–English term space.
"""

from .documents import Achievement, Demand, Match
from .explain import ENGINE_VERSION
from .index import MatchIndex
from .score import Params
from .tokenise import tokenize

__all__ = ["ENGINE_VERSION", "Achievement", "Demand", "Match", "MatchIndex", "Params", "tokenize"]
