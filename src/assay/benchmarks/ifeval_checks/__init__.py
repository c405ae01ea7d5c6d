"""IFEval's verifiable instructions: the 25 checkers of Google's reference
(:mod:`.checkers`), the text measures they use (:mod:`.text`) and strict/loose following
(:mod:`.evaluate`)."""

from .checkers import CHECKERS, Checker, prepare
from .evaluate import Following, follow_instructions, loose_variants

__all__ = ["CHECKERS", "Checker", "prepare", "Following", "follow_instructions",
           "loose_variants"]
