# %% [markdown]
# # Deal legs from an outside tracker
#
# Trackers of AI circular financing publish one row per flow ("deal leg"). bubblescope
# imports that layout (`bubblescope data import-legs`, or `import_deal_legs` in Python):
# parties become entities, legs become contracts, every problem is reported with its row.
# `data/tracker_legs.csv` is a small extract in that layout, written from the public
# releases it cites (see `data/SOURCES.md`). If the full public tracker is present in the
# shared data directory, it is imported too; otherwise that step is skipped.

# %%
import warnings
from pathlib import Path

import bubblescope as bs
from bubblescope.datadir import resolve_data_dir
from bubblescope.store.deal_legs import MissingAmountWarning, import_deal_legs

HERE = Path(__file__).resolve().parent if "__file__" in globals() else Path("examples")
web = bs.load_default()

# %% [markdown]
# ## The extract on its own, then added to the bundled web

# %%
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", MissingAmountWarning)
    alone = import_deal_legs(HERE / "data" / "tracker_legs.csv")
print(alone)
for w in caught:
    print("warning:", w.message)
for c in alone.web.active():
    print(f"  {c.kind:<20} {c.holder:>10} holds USD {c.amount:>6.1f}bn on {c.obligor}")

with warnings.catch_warnings():
    warnings.simplefilter("ignore", MissingAmountWarning)
    merged = import_deal_legs(HERE / "data" / "tracker_legs.csv", base=web)
print(f"bundled web {len(web.contracts)} contracts -> with the extract "
      f"{len(merged.web.contracts)}; entities created: {merged.created_entities or 'none'}")
assert len(merged.web.contracts) > len(web.contracts)

# %% [markdown]
# ## The full public tracker, when the shared data has it

# %%
data_dir = resolve_data_dir(None)
tracker = None if data_dir is None else data_dir / "ai_circular_deals_kevin19980730.csv"
if tracker is not None and tracker.is_file():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingAmountWarning)
        full = import_deal_legs(tracker)
    print(full)
else:
    print("skipped: ai_circular_deals_kevin19980730.csv is not in the shared data directory")
