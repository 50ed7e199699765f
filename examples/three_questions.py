# %% [markdown]
# # The three questions on the bundled data
#
# How big is the AI bubble, when does it break, and who gets hurt? Each answer below comes
# from the bundled web and series (no download); every number carries its source in the
# tables it came from. Run it with `python examples/three_questions.py`; `make test`
# executes it. Results are written to `out/examples/` (or `$BUBBLESCOPE_EXAMPLES_OUT`).

# %%
import os
from pathlib import Path

import numpy as np
import pandas as pd

import bubblescope as bs
from bubblescope.signals.critical import monte_carlo_cv
from bubblescope.signals.datestamp import psy_analysis
from bubblescope.signals.psy import PsyConfig
from bubblescope.signals.registry import resolve_series
from bubblescope.signals.series import make_series
from bubblescope.size.bubble_card import CardOptions, bubble_card
from bubblescope.size.data import load_inputs

OUT = Path(os.environ.get("BUBBLESCOPE_EXAMPLES_OUT", "out/examples"))
OUT.mkdir(parents=True, exist_ok=True)
web = bs.load_default()
print(f"web {web.name!r} as of {web.as_of}: {len(web.entities)} entities, "
      f"{len(web.contracts)} contracts, {len(web.sources)} sources")

# %% [markdown]
# ## 1. How big? The bubble card
# The card compares the Wicksellian deficit, the revenue gap, debt and circular financing
# with the dot-com bubble and 2008. Bundled rates only here (`treasury_const`); with the
# shared vendor data `bubblescope size` uses Moody's Baa.

# %%
card = bubble_card(load_inputs(None, web), CardOptions(rates="treasury_const"))
print(card.headline)
print(card.to_frame()[["label", "value", "vs_dotcom", "source"]].head(8).to_string())

# %% [markdown]
# ## 2. When? Explosive episodes in the dot-com Nasdaq (PSY)
# Monthly closes 1994-2003, 99 Monte Carlo replications for the critical values (the CLI
# uses 499 and daily data; this keeps the example quick).

# %%
daily, transform = resolve_series("nasdaq-dotcom")
monthly = pd.Series(daily.values, index=pd.DatetimeIndex(daily.dates)).resample("ME").last()
series = make_series("nasdaq-dotcom monthly", monthly.index.to_numpy("datetime64[D]"),
                     monthly.to_numpy(), daily.source)
config = PsyConfig()
y = np.log(series.values)
cv = monte_carlo_cv(len(y), config, reps=99, rng=np.random.default_rng(0))
psy = psy_analysis(series, cv, config, transform="log")
print(psy)
print(psy.tables()["episodes"].to_string())

# %% [markdown]
# ## 3. Who gets hurt? Seed 001's crash sequence
# One path of the `atlantic-crash` preset: defaults, holders' losses against capital, GDP
# and jobs. `result.to_excel` writes every table (units in the sheet and column names).

# %%
result = bs.stress.run(web, "atlantic-crash")
print(result.summary())
print(result.capital_hit.head(6).to_string())
path = result.to_excel(OUT / "atlantic_crash.xlsx")
sheets = pd.read_excel(path, sheet_name=None)
print(f"wrote {path}: sheets {', '.join(sheets)}")
assert len(sheets["timeline"]) == result.quarters
