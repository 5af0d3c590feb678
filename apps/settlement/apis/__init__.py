"""HTTP for settlement (escrow), after-deal tracking, royalties and revenue sharing."""
