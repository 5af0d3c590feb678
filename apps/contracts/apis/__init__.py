"""HTTP for technology contracts, by sub-domain: terms, deductions, the signed document and the history
(:mod:`.contracts`), milestones and payments (:mod:`.payments`), registration (认定登记) and its events
(:mod:`.registration`), and brokers' scorecards and commissions (:mod:`.brokers`)."""
