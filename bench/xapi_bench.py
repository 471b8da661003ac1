"""Statement validation: ours against Ralph's strict models (the oracle) on the test corpus."""

from __future__ import annotations

import importlib

from xapi._bench import compare


def run() -> list[str]:
    corpus = importlib.import_module("tests.xapi.corpus")
    out = ["xapi validation: reference = Ralph's BaseXapiStatement on the same statements"]
    for name, statements in (("corpus (valid + invalid)", corpus.corpus()),
                             ("valid statements", list(corpus.valid_bases().values()))):
        f = compare(statements, min_seconds=1.5)
        out.append(f"  {name:25} ours {f['ours']:>9,.0f}/s (cold caches {f['ours_cold']:>8,.0f}/s), "
                   f"Ralph {f['ralph']:>7,.0f}/s → {f['ratio']:.1f}× (cold {f['ratio_cold']:.1f}×)")
    return out
