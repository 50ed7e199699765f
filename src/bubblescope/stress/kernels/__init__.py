"""Array maths of the crash engine, each fast kernel beside its slow, obvious reference twin.

=======================  ===========================================================
:mod:`.clearing`         Eisenberg–Noe / Rogers–Veraart clearing (numba, blocked)
:mod:`.fire_sale`        GPU fire sales under LTV covenants, solved to a fixed point
:mod:`.gpu_value`        GPU value by vintage: wear and generation step-downs
:mod:`.waterfall`        tranche waterfalls of securitisation SPVs
:mod:`.ratings`          expected loss to rating grades; agency-anchored Merton PDs
:mod:`.merton`           Merton distance to default and default probability
:mod:`.debtrank`         DebtRank distress propagation
:mod:`.reconstruct`      exposure matrices from their totals (RAS, sparse fills)
:mod:`.leverage`         funds' NAV, margin-call sales, losses beyond NAV, gates
:mod:`.spread`           the credit spread: flows widen it, it mean-reverts to its base
:mod:`.issuer_spread`    an issuer's own spread by its rating; which grades can borrow
:mod:`.aggregate`        contract arrays summed by obligor or holder (numba, in order)
:mod:`.cuts`             lease cuts, their sums by tenant and landlord, guarantees (numba)
:mod:`.payments`         the clearing's payments on each contract, operating cash (numba)
:mod:`.write_offs`       write-offs at default on the contract axis (numba, one pass)
:mod:`.row_sums`         row totals added as numpy's pairwise ``sum(axis=1)`` (numba)
:mod:`.stakes`           equity stakes and fund shares marked to their issuer (numba, one pass)
:mod:`.rollover`         refinancing and new issuance on the contract axis (numba, one pass)
:mod:`.dues`             what falls due on each contract; flows renewed at term (numba)
=======================  ===========================================================

Kernels are pure functions of arrays (shapes in their docstrings); they import nothing of
the engine, its channels or its state. Import them from their modules (``from
bubblescope.stress.kernels.clearing import clear``): a module and its main function often
share a name (``waterfall``, ``fire_sale``, ``debtrank``).
"""

__all__: list[str] = []
