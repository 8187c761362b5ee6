"""Synthetic datasets in the real YAML format, for the benchmark and the fault tests.

Names and addresses are made up but look real; the same seed gives the same text.
"""

from __future__ import annotations

import datetime as dt
import random

from ratings.models import RATINGS

_PLACES = (
    "Northbridge", "Eastfield", "Westmoor", "Southvale", "Ashford", "Brampton", "Carrow", "Dunmere",
    "Elstow", "Felling", "Garston", "Harrowby", "Ilkley", "Jarrow", "Kelso", "Lydney", "Marston",
    "Newby", "Otley", "Penrith", "Quarndon", "Rothley", "Selby", "Thirsk", "Ulverston", "Ventnor",
)  # fmt: skip
_OWNERS = ("Acorn Justice", "Beacon Services", "Crescent Rehabilitation", "Delta Partnership", "Public sector")
_STANDARDS = (
    ("leadership", "1.1", "Leadership"), ("staff", "1.2", "Staff"), ("services", "1.3", "Services"),
    ("information_facilities", "1.4", "Information and facilities"), ("assessment", "2.1", "Assessment"),
    ("planning", "2.2", "Planning"), ("implementation_delivery", "2.3", "Implementation and delivery"),
    ("reviewing", "2.4", "Reviewing"), ("unpaid_work", "4.1", "Unpaid work"),
    ("through_the_gate", "4.2", "Through the Gate"),
)  # fmt: skip


def dataset(providers: int, per_provider: int = 5, seed: int = 1, recorded: float = 0.8) -> str:
    """YAML text: `providers` CRC-like providers with `per_provider` inspections each."""
    rng = random.Random(seed)
    lines = ["# Synthetic data for benchmarks and tests: not real ratings.", "frameworks:"]
    lines += ["  - id: bench-2018", "    name: Benchmark framework", "    provider_types: [CRC]", "    standards:"]
    lines += [f'      - {{key: {k}, number: "{n}", name: {name}}}' for k, n, name in _STANDARDS]
    lines.append("owners:")
    owner_ids = [o.lower().replace(" ", "-") for o in _OWNERS]
    lines += [f"  - {{id: {i}, name: {o}}}" for i, o in zip(owner_ids, _OWNERS, strict=True)]
    lines.append("providers:")
    for p in range(providers):
        place, other = rng.choice(_PLACES), rng.choice(_PLACES)
        lines += [
            f"  - id: p{p:06d}",
            f"    name: {place} and {other} CRC {p}",
            "    type: CRC",
            f"    area: {rng.choice(_PLACES)} division",
            f"    owners: [{{owner: {rng.choice(owner_ids)}}}]",
        ]
    lines.append("inspections:")
    start = dt.date(2018, 1, 1)
    for p in range(providers):
        days = sorted(rng.sample(range(0, 2500), per_provider))
        for day in days:
            published = start + dt.timedelta(days=day)
            lines += [
                f"  - provider: p{p:06d}",
                "    framework: bench-2018",
                f"    published: {published.isoformat()}",
                f"    overall: {rng.choice(RATINGS)}",
                "    ratings:",
            ]
            for key, _, _ in _STANDARDS:
                value = rng.choice(RATINGS) if rng.random() < recorded else ""
                lines.append(f"      {key}: {value}".rstrip())
            lines += [
                f"    report_url: https://inspections.example.org/reports/p{p:06d}/{published.isoformat()}",
                f"    sources: [https://news.example.org/{published.year}/p{p:06d}-{day}]",
            ]
    return "\n".join(lines) + "\n"
