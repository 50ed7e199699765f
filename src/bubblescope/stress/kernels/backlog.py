"""Lost backlog at margin: what a compute provider loses when a customer's commitment goes.

A provider (Oracle, Microsoft, CoreWeave) sells capacity it builds, GPUs and data centres
financed largely with debt, at a gross margin. When a customer defaults on a commitment or
cuts it, started or not, the provider does not lose the contract's face value: it loses

* its **margin** on the revenue it will not get, and
* the **stranded capacity**: the capital part of its cost for the capacity already built
  (all of it once the contract runs; a share ``built`` before the start), whose debt it
  still owes,

while it saves the cash costs (power, operations) and the capacity it has not built yet.
What it re-lets to other customers (``relet``, the scenario's ``recovery_flow``) earns both
back. With ``m`` the margin, ``k`` the capital share of the provider's cost and ``b`` the
share built, the share of the remaining contract value lost is

``lost = (1 - relet) * (m + (1 - m) * k * b)``.

Calibration
-----------
* ``k`` = 1 - cash cost / break-even rental of a GPU = 1 - 0.45 / 1.65 = 0.727: at the
  USD 1.65/h break-even (Latent Space, "GPU bubble"; ``kernels.gpu_rental``) USD 0.45/h
  is power and operations and the rest pays for the card and its financing.
* ``m`` (``provider_margin``, default 0.25, **assumption**): Oracle's gross margin on
  renting Nvidia GPUs was reported at about 14% in the quarter to August 2025 (The
  Information, October 2025, from internal documents), and Oracle told investors in
  October 2025 to expect 30-40% over the life of its AI infrastructure contracts (press
  reports of its analyst meeting); both recalled, not verified offline, so low
  confidence. 0.25 lies between them.
* ``b`` (``backlog_built_share``, default 0.5, **assumption**): capacity for a contract
  starting in 2027 (Oracle-OpenAI) is under construction through 2026 (Abilene and the
  other Stargate sites), so about half of it stands when a 2026 default hits.

So a running commitment lost to a default costs the provider 0.8 x 0.795 = 64% of what is
left of it, and one not yet started 0.8 x 0.523 = 42% (it was 80% of face for both).

Chip orders (:func:`sale_lost_share`)
-------------------------------------
A chip supplier (NVIDIA, AMD, Broadcom) whose customer cancels or does not pay an order
does not make the chips: it loses its **gross margin** on what is not delivered, not the
price, and nothing on what it resells (``relet``): ``lost = (1 - relet) * margin``. The
margin is the seller's ``gross_margin`` figure (trailing four quarters from its filings:
NVIDIA 69.9%, Broadcom 66.8%, AMD 44.2%); a purchase whose seller has none is lost at face.

New business costs cash (:data:`COMPUTE_CASH_MARGIN`)
-----------------------------------------------------
A contract that starts after the as-of date is revenue the filings do not hold yet, and it
does not come free: a chip supplier pays ``1 - gross_margin`` of it to make the chips; a
compute provider pays ``1 - COMPUTE_CASH_MARGIN`` of it in cash costs (power, operations,
staff; its capex is paid through its capex plan). ``COMPUTE_CASH_MARGIN`` is CoreWeave's
EBITDA margin over the three quarters to 2025-06-30 with EBITDA reported,
(485.1 + 438.7 + 583.7) / (747.4 + 981.6 + 1212.8) = 51.2%, measured from
``shared/data/quarterly_financials_alphavantage_CRWV.csv`` (the pure-play GPU cloud). It
is lower than the ``(1 - m)(1 - k)`` cash cost implied above (79.5% margin), which counts
only power and operations of the GPUs.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from bubblescope.model._typing import BoolArray, FloatArray
from bubblescope.stress.kernels.gpu_rental import CASH_COST_USD_H

__all__ = ["BREAK_EVEN_USD_H", "CAPITAL_SHARE", "COMPUTE_CASH_MARGIN", "lost_share",
           "lost_share_reference", "sale_lost_share"]

#: EBITDA margin of a GPU cloud: CoreWeave's, three quarters to 2025-06-30 (CRWV file).
COMPUTE_CASH_MARGIN: Final[float] = (485.112 + 438.727 + 583.713) / (747.430 + 981.632
                                                                     + 1212.788)

#: Rental below which a new H100 does not recoup its cost, USD per GPU-hour (Latent Space,
#: "GPU bubble"; CALIBRATION.md).
BREAK_EVEN_USD_H: Final[float] = 1.65
#: Share of a compute provider's cost that is capital (card, data centre, their financing)
#: rather than cash (power, operations): what stays sunk when a customer goes.
CAPITAL_SHARE: Final[float] = 1.0 - CASH_COST_USD_H / BREAK_EVEN_USD_H


def lost_share(started: BoolArray, margin: FloatArray, built: FloatArray,
               relet: FloatArray) -> FloatArray:
    """Share of a commitment's remaining value its provider loses when it goes, (n_paths, m).

    Parameters
    ----------
    started : ndarray of bool, shape (m,) or (n_paths, m)
        Whether each contract had started when it was lost.
    margin, built, relet : ndarray of shape (n_paths,)
        Provider's gross margin, share of the capacity built before the start, and share
        of the capacity re-let to others.

    Notes
    -----
    ``lost = (1 - relet) * (margin + (1 - margin) * CAPITAL_SHARE * b)`` with ``b = 1`` for a
    started contract and ``built`` otherwise.

    Examples
    --------
    >>> one = np.ones(1)
    >>> lost_share(np.array([True, False]), 0.25 * one, 0.5 * one, 0.2 * one).round(3).tolist()
    [[0.636, 0.418]]
    """
    b = np.where(started, 1.0, built[:, None])
    sunk = (1.0 - margin[:, None]) * CAPITAL_SHARE * b
    return np.asarray((1.0 - relet[:, None]) * (margin[:, None] + sunk), dtype=np.float64)


def lost_share_reference(started: BoolArray, margin: FloatArray, built: FloatArray,
                         relet: FloatArray) -> FloatArray:
    """Slow twin of :func:`lost_share`: one path and one contract at a time, as in the
    docstring's account (lost margin plus stranded capital, less what is re-let)."""
    m = np.shape(started)[-1]
    flags = np.broadcast_to(np.asarray(started, dtype=np.bool_), (margin.size, m))
    out = np.zeros(flags.shape)
    for p in range(flags.shape[0]):
        for j in range(flags.shape[1]):
            revenue = 1.0
            cost = revenue * (1.0 - margin[p])
            stranded = cost * CAPITAL_SHARE * (1.0 if flags[p, j] else built[p])
            out[p, j] = (revenue * margin[p] + stranded) * (1.0 - relet[p])
    return out


def sale_lost_share(margin: FloatArray, relet: FloatArray) -> FloatArray:
    """Share of an undelivered chip order its supplier loses, (n_paths, m).

    ``(1 - relet) * margin`` where ``margin`` (m,) is known; NaN where it is not (the caller
    keeps its face-value rule there).

    >>> sale_lost_share(np.array([0.6683, np.nan]), np.array([0.2])).round(4).tolist()
    [[0.5346, nan]]
    """
    return np.asarray((1.0 - relet[:, None]) * np.clip(margin, 0.0, 1.0)[None, :],
                      dtype=np.float64)
