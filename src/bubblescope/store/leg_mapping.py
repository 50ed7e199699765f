"""How a deal-leg table maps onto contracts: columns, leg types, statuses and entities.

A :class:`LegMapping` says which column holds which field, how each leg type becomes a
contract kind and which end of the flow is the holder, how the file's statuses and
confidences map onto ours, and which id and kind each party name gets. The default,
:data:`KEVIN_MAPPING`, reads ``ai_circular_deals.csv`` of Kevin19980730/ai-circular-financing;
:data:`EDGES_MAPPING` reads the ``edges`` of tedthizzy/ai-bubble's JSON. A YAML mapping
file overrides the default key by key (``entities`` are merged, every other key is
replaced); see ``docs/store.md``.

Direction (``holder``) per leg type, with ``from`` → ``to`` the direction of the flow:

============== ===================== ========================= ===================
leg type       contract kind         holder (owns the claim)   obligor
============== ===================== ========================= ===================
investment     equity_stake          from (investor)           to (investee)
purchase       customer_revenue [1]_ to (seller)               from (buyer)
licensing      customer_revenue      to (licensor)             from (licensee)
backstop       guarantee             to (beneficiary)          from (guarantor)
credit         loan                  from (lender)             to (borrower)
stock_grant    warrant               to (grantee)              from (issuer)
============== ===================== ========================= ===================

.. [1] ``compute_commitment`` when the seller is a hyperscaler or a neocloud.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, Final, Literal

from bubblescope.model.errors import DataError, Issue
from bubblescope.model.inputs import load_yaml, read_input_text
from bubblescope.model.kinds import CONFIDENCES, CONTRACT_KINDS, ENTITY_KINDS, STATUSES

__all__ = [
    "EDGES_MAPPING",
    "FIELDS",
    "KEVIN_MAPPING",
    "EmptyAmount",
    "EntityRule",
    "LegMapping",
    "LegRule",
    "load_mapping",
]

EmptyAmount = Literal["skip", "headline"]
End = Literal["from", "to"]

#: Fields a mapping can name a column for; the first seven are required.
FIELDS: Final[tuple[str, ...]] = (
    "date", "from", "to", "leg_type", "amount", "status", "confidence", "sources",
    "deal", "headline", "in_totals",
)
_REQUIRED: Final[tuple[str, ...]] = FIELDS[:7]


@dataclass(frozen=True)
class LegRule:
    """How one leg type becomes a contract: its kind and which end holds the claim."""

    kind: str
    holder: End
    kind_by_holder_kind: Mapping[str, str] = field(default_factory=dict)

    def kind_for(self, holder_kind: str) -> str:
        """The contract kind when the holder is an entity of ``holder_kind``."""
        return self.kind_by_holder_kind.get(holder_kind, self.kind)


@dataclass(frozen=True)
class EntityRule:
    """The id and kind a party name in the file gets."""

    id: str
    kind: str
    name: str = ""


@dataclass(frozen=True)
class LegMapping:
    """Everything the deal-leg importer needs to know about one file layout."""

    columns: Mapping[str, str]
    legs: Mapping[str, LegRule]
    statuses: Mapping[str, str]
    confidences: Mapping[str, str]
    entities: Mapping[str, EntityRule] = field(default_factory=dict)
    amount_scale: float = 1.0
    empty_amount: EmptyAmount = "skip"
    sources_separator: str = " | "
    superseded_prefix: str = "superseded"
    undated: tuple[str, ...] = ()
    note_columns: tuple[str, ...] = ()
    dataset_source: Mapping[str, str] = field(default_factory=dict)

    def column(self, name: str) -> str | None:
        """The file column holding field ``name`` (``None`` if the file has none)."""
        return self.columns.get(name)


def load_mapping(
    path: str | os.PathLike[str], base: LegMapping | None = None,
) -> LegMapping:
    """Read a YAML mapping file over ``base`` (the Kevin19980730 layout by default).

    Raises
    ------
    DataError
        Every unknown key, contract kind, status, confidence, entity kind or end.
    """
    file = str(path)
    raw = load_yaml(read_input_text(path), file) or {}
    if not isinstance(raw, dict):
        raise DataError.single(file, None, "mapping", "must be a YAML mapping", type(raw).__name__)
    return _merge(base or KEVIN_MAPPING, raw, file)


def _merge(base: LegMapping, raw: Mapping[str, Any], file: str) -> LegMapping:
    issues: list[Issue] = []
    known = {f.name for f in fields(LegMapping)}
    allowed = ", ".join(sorted(known))
    issues += [Issue(file, None, str(k), f"is not a mapping key (allowed: {allowed})", str(k))
               for k in raw if k not in known]
    changes: dict[str, Any] = {}
    for key, value in raw.items():
        if key in known:
            changes[key] = _convert(key, value, file, issues)
    if "entities" in changes:
        changes["entities"] = {**base.entities, **changes["entities"]}
    mapping = replace(base, **changes)
    issues += _check(mapping, file)
    if issues:
        raise DataError(issues)
    return mapping


def _convert(key: str, value: Any, file: str, issues: list[Issue]) -> Any:
    try:
        if key == "legs":
            return {str(k): LegRule(str(v["kind"]), v["holder"],
                                    dict(v.get("kind_by_holder_kind") or {}))
                    for k, v in dict(value).items()}
        if key == "entities":
            return {str(k): EntityRule(str(v["id"]), str(v.get("kind", "other")),
                                       str(v.get("name", "")))
                    for k, v in dict(value).items()}
        if key in ("undated", "note_columns"):
            return tuple(str(v) for v in value)
        if key == "amount_scale":
            return float(value)
        if key in ("columns", "statuses", "confidences", "dataset_source"):
            return {str(k): str(v) for k, v in dict(value).items()}
        return str(value)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        issues.append(Issue(file, None, key, "has the wrong shape (see docs/store.md)",
                            f"{value!r} ({exc})"))
        return getattr(KEVIN_MAPPING, key)


def _check(m: LegMapping, file: str) -> list[Issue]:
    issues = [Issue(file, None, f"columns.{f}", "is required", "missing")
              for f in _REQUIRED if f not in m.columns]
    issues += [Issue(file, None, f"columns.{f}", f"is not a field ({', '.join(FIELDS)})", f)
               for f in m.columns if f not in FIELDS]
    for leg, rule in m.legs.items():
        kinds = (rule.kind, *rule.kind_by_holder_kind.values())
        issues += [Issue(file, None, f"legs.{leg}.kind", "must be a contract kind", k)
                   for k in kinds if k not in CONTRACT_KINDS]
        if rule.holder not in ("from", "to"):
            issues.append(Issue(file, None, f"legs.{leg}.holder", "must be from or to",
                                str(rule.holder)))
    issues += [Issue(file, None, f"statuses.{k}", "must map to a status", v)
               for k, v in m.statuses.items() if v not in STATUSES]
    issues += [Issue(file, None, f"confidences.{k}", "must map to a confidence", v)
               for k, v in m.confidences.items() if v not in CONFIDENCES]
    issues += [Issue(file, None, f"entities.{k}.kind", "must be an entity kind", e.kind)
               for k, e in m.entities.items() if e.kind not in ENTITY_KINDS]
    if m.empty_amount not in ("skip", "headline"):
        issues.append(Issue(file, None, "empty_amount", "must be skip or headline",
                            str(m.empty_amount)))
    if not m.amount_scale > 0:
        issues.append(Issue(file, None, "amount_scale", "must be > 0", str(m.amount_scale)))
    return issues


def _entities(table: Mapping[str, tuple[str, str]]) -> dict[str, EntityRule]:
    return {name: EntityRule(eid, kind) for name, (eid, kind) in table.items()}


_COMPUTE_SELLERS: Final[dict[str, str]] = {
    "hyperscaler": "compute_commitment", "neocloud": "compute_commitment",
}

#: Party names of the two bundled trackers → canonical ids and kinds.
_KNOWN_PARTIES: Final[dict[str, tuple[str, str]]] = {
    "Nvidia": ("nvidia", "chipmaker"), "NVIDIA": ("nvidia", "chipmaker"),
    "OpenAI": ("openai", "ai_lab"), "Microsoft": ("microsoft", "hyperscaler"),
    "Oracle": ("oracle", "hyperscaler"), "Meta": ("meta", "hyperscaler"),
    "Google": ("google", "hyperscaler"), "Amazon": ("amazon", "hyperscaler"),
    "AMD": ("amd", "chipmaker"), "Broadcom": ("broadcom", "chipmaker"),
    "CoreWeave": ("coreweave", "neocloud"), "Anthropic": ("anthropic", "ai_lab"),
    "SpaceX / xAI": ("xai", "ai_lab"), "xAI": ("xai", "ai_lab"),
    "Crusoe": ("crusoe", "neocloud"), "Nebius": ("nebius", "neocloud"),
    "SoftBank": ("softbank", "other"), "Stargate": ("stargate", "spv"),
    "Blue Owl": ("blue_owl", "private_credit_fund"), "PIMCO": ("pimco", "mutual_fund"),
    "Apollo": ("apollo", "private_credit_fund"),
    "AI compute financing platforms": ("ai_compute_financing_platforms", "spv"),
    "Cerebras": ("cerebras", "chipmaker"), "Intel": ("intel", "chipmaker"),
    "Marvell": ("marvell", "chipmaker"), "Micron": ("micron", "chipmaker"),
    "Character.AI": ("character_ai", "ai_lab"), "Cohere": ("cohere", "ai_lab"),
    "Figure AI": ("figure_ai", "ai_lab"), "Hugging Face": ("hugging_face", "ai_lab"),
    "Inflection AI": ("inflection_ai", "ai_lab"), "Mistral": ("mistral", "ai_lab"),
    "Poolside": ("poolside", "ai_lab"), "Scale AI": ("scale_ai", "ai_lab"),
    "Fluidstack": ("fluidstack", "neocloud"), "Lambda": ("lambda", "neocloud"),
    "Nscale": ("nscale", "neocloud"), "IREN": ("iren", "neocloud"),
    "Cipher Mining": ("cipher_mining", "data_center_developer"),
    "Hut 8": ("hut_8", "data_center_developer"),
    "TeraWulf": ("terawulf", "data_center_developer"),
    "SB Energy": ("sb_energy", "data_center_developer"),
    "Applied Digital": ("applied_digital", "data_center_developer"),
}

#: The layout of Kevin19980730/ai-circular-financing ``ai_circular_deals.csv``.
KEVIN_MAPPING: Final[LegMapping] = LegMapping(
    columns={"date": "date", "from": "from", "to": "to", "leg_type": "leg_type",
             "amount": "usd_bn", "status": "status", "confidence": "confidence",
             "sources": "sources", "deal": "deal_id", "headline": "headline_usd_bn",
             "in_totals": "in_totals"},
    legs={
        "investment": LegRule("equity_stake", "from"),
        "purchase": LegRule("customer_revenue", "to", _COMPUTE_SELLERS),
        "licensing": LegRule("customer_revenue", "to"),
        "backstop": LegRule("guarantee", "to"),
        "credit": LegRule("loan", "from"),
        "stock_grant": LegRule("warrant", "to"),
    },
    statuses={"closed": "closed", "announced": "announced", "reported": "reported",
              "conditional": "announced"},
    confidences={"high": "high", "medium": "medium", "low": "low"},
    entities=_entities(_KNOWN_PARTIES),
    note_columns=("deal", "leg_note", "bis_category"),
    dataset_source={"id": "kevin19980730_deals", "citation":
                    "Kevin19980730/ai-circular-financing ai_circular_deals.csv "
                    "(commit 27c6dda6)",
                    "note": "hand-curated deal-leg tracker; licence not stated"},
)

#: The ``edges`` of tedthizzy/ai-bubble ``ai_circular_financing_edges_*.json`` (payer → payee).
EDGES_MAPPING: Final[LegMapping] = LegMapping(
    columns={"date": "date", "from": "from", "to": "to", "leg_type": "flow_type",
             "amount": "amount_usd", "status": "binding", "confidence": "source_tier",
             "sources": "source_uri"},
    legs={
        "equity_investment": LegRule("equity_stake", "from"),
        "framework_commitment": LegRule("equity_stake", "from"),
        "gpu_purchase": LegRule("customer_revenue", "to"),
        "purchase_commitment": LegRule("compute_commitment", "to"),
        "customer_revenue": LegRule("customer_revenue", "to"),
        "lease_payment": LegRule("lease", "to"),
    },
    statuses={"true": "closed", "false": "announced"},
    confidences={"filing_verified": "high", "inferred": "medium", "press_reported": "low"},
    entities=_entities(_KNOWN_PARTIES),
    amount_scale=1e-9,
    undated=("ongoing",),
    note_columns=("quote",),
    dataset_source={"id": "tedthizzy_edges", "citation":
                    "tedthizzy/ai-bubble handoffs/ai_circular_financing_edges_20260603.json "
                    "(commit 08937158)",
                    "note": "hand-curated payer → payee edges; licence not stated"},
)
