"""Contract documents: model-text templates per contract type (:mod:`.templates`) and their PDF
rendering (:mod:`.pdf`). Both are pure: no ORM inside; the services feed them a contract's values."""
