"""The steps of a quarter, one file each: pure functions from frozen inputs to frozen outputs.

In the order the engine runs them (:mod:`bubblescope.stress.engine`):

====================  ==============================================================
:mod:`.demand`        AI end revenue follows the scenario; firms earn their share
:mod:`.valuation`     valuations follow revenue surprises, spending and spreads
:mod:`.obligations`   interest, principal, leases and commitments fall due
:mod:`.funding`       maturing debt rolls over or not; firms raise equity
:mod:`.leases`        tenants who cannot pay cut or renegotiate; guarantees are called
:mod:`.settlement`    payments are cleared; defaults are written off
:mod:`.collateral`    GPU values fall; covenant breaches force sales
:mod:`.paper`         expected losses rate the debt; junk widens spreads, forces sales
:mod:`.holders`       equity and fund shares are marked; losses are booked by holder
:mod:`.capex`         the web spends on AI what it can
:mod:`.payouts`       firms pay dividends and buybacks; cash above target is returned
:mod:`.macro`         capex and wealth feed GDP; output feeds jobs (after the run)
====================  ==============================================================

Each reads the run's :class:`~bubblescope.stress.context.RunContext` and the current
:class:`~bubblescope.stress.state.State`; array maths lives in
:mod:`bubblescope.stress.kernels`.
"""

__all__: list[str] = []
