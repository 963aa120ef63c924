"""The "not clothing" check's table: what it answers on held-out pictures that are not
clothes, per kind, and on clothes (test images and photos of them), from
``results/ood/ood.json`` (``python -m nengo_fashion.studies.ood``)."""

from ..spec import Table, one, pct


def _rows(r):
    """One row per kind of the HELD-OUT part, then all of it, then the clothes."""
    h = r["held_out"]
    for kind, row in h["per_kind"].items():
        yield {
            "pictures": kind,
            "about": " ".join(r["kinds"][kind].split()),
            "n": row["n"],
            "rate": row["not_clothing"],
        }
    yield {
        "pictures": "**all not clothes**",
        "about": "the HELD-OUT part",
        "n": h["n"],
        "rate": h["not_clothing"],
    }
    t, p = r["test_images"], r["photos"]
    yield {
        "pictures": "test images",
        "about": "Fashion-MNIST's test split",
        "n": t["n"],
        "rate": t["not_clothing"],
    }
    yield {
        "pictures": "photos of test images",
        "about": f"the photos study's photos of {p['images']} test images",
        "n": p["n"],
        "rate": p["not_clothing"],
    }


def _note(r):
    p, target = r["photos"], r["target"]
    return (
        f"\n\nTargets: at least {pct(target['held_out'])} % of the pictures that are not clothes, "
        f"at most {pct(target['test'])} % of the test images and {pct(target['photos'])} % of "
        f"the photos; met: {', '.join(k for k, v in target['met'].items() if v) or 'none'}"
        f"{'' if all(target['met'].values()) else ' (not all)'}. The photos study's agreement "
        f"(rate): {pct(p['agreement_all'])} % over all {p['n']} photos, "
        f"{pct(p['agreement_kept'])} % over those not rejected."
    )


OOD = Table(
    "ood",
    one("ood", "ood.json"),
    (
        ("pictures", "pictures"),
        ("what they are", "about"),
        ("n", "n"),
        ("answered 'not clothing', %", "rate", pct),
    ),
    rows=_rows,
    placeholder="(no results/ood/ood.json yet)",
    note=_note,
)
"""The "not clothing" check on held-out data."""

TABLES = (OOD,)
