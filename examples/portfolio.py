# %% [markdown]
# # An insurer's book through the crash
#
# `insurer_portfolio.csv` holds nine positions of an illustrative life insurer, each a
# stated share of a public issue (Oracle's and Meta's 2025 notes, the Hyperion notes,
# CoreWeave's 2030 notes, the Vantage Frontier loan), plus private-credit fund units, NVIDIA
# equity and CDS protection on Oracle. What do we lose, why, and how sure is it?

# %%
import os
from pathlib import Path

import pandas as pd

import bubblescope as bs
from bubblescope.portfolio import run_portfolio
from bubblescope.store.portfolio_file import read_portfolio

HERE = Path(__file__).resolve().parent if "__file__" in globals() else Path("examples")
OUT = Path(os.environ.get("BUBBLESCOPE_EXAMPLES_OUT", "out/examples"))
OUT.mkdir(parents=True, exist_ok=True)
pd.set_option("display.width", 120)
web = bs.load_default()
book = read_portfolio(HERE / "insurer_portfolio.csv")
print(f"{len(book.positions)} positions, USD {book.total:.2f}bn")

# %% [markdown]
# ## What do we lose? One path of the crash, position by position
# Loss per position split into credit loss, debt mark and equity mark, and each position's
# worst preset (one path of every preset).

# %%
one = run_portfolio(web, book, "atlantic-crash")
print(one)
cols = ["position", "mapped_to", "loss_usd_bn", "credit_loss_usd_bn", "debt_mark_usd_bn",
        "equity_mark_usd_bn", "worst_scenario"]
print(one.by_position()[cols].to_string())

# %% [markdown]
# ## When? Loss quarter by quarter

# %%
q = one.by_quarter()
print(q[q["loss_usd_bn"].abs() > 1e-6].to_string(index=False))

# %% [markdown]
# ## How sure? Monte Carlo over the documented uncertainty
# 200 paths (use 1,000+ for a 99% tail you can quote): VaR and expected shortfall of the
# book, each position's mean loss in the tail paths, and which assumptions move the loss.

# %%
mc = run_portfolio(web, book, "atlantic-crash", n_paths=200, seed=0, worst_of=())
print(mc)
print(mc.by_position()[["position", "loss_usd_bn", "tail_99%_loss_usd_bn"]].to_string())
print(mc.drivers().to_string(index=False))
written = mc.export(OUT / "insurer_book.xlsx")
print("wrote", ", ".join(str(p) for p in written))
assert mc.expected_shortfall() >= mc.var() - 1e-12
