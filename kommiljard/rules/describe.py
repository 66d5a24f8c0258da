"""A rule set's parameters as rows of text, each with its source and note (for people)."""

from __future__ import annotations

import json

from .texts import text_in


def parameter_rows(block, lang: str = "en") -> list[tuple[str, str, str]]:
    """``(parameter, value, source / note)`` for every parameter of a block, the sources and notes in ``lang``
    (:func:`~kommiljard.rules.texts.text_in`).

    Items of a list (groups, bars, conditions) get a row each, named ``bars: blue``.
    """
    data = block.model_dump(mode="json")
    notes = {k: v for k, v in data.items() if k.endswith(("_source", "_note")) and v}
    rows = []
    for key, value in data.items():
        if key.endswith(("_source", "_note")) or key == "source":
            continue
        # "months_source" belongs to months, "compare_source" to compare_lag_months
        note = " ".join(
            text_in(v, lang)
            for k, v in notes.items()
            if key == k.rsplit("_", 1)[0] or key.startswith(k.rsplit("_", 1)[0] + "_")
        )
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for item in value:
                detail = {k: v for k, v in item.items() if k not in ("source", "note", "label")}
                rows.append(
                    (
                        f"{key}: {item.get('name')}",
                        json.dumps(detail, ensure_ascii=False),
                        " ".join(text_in(t, lang) for t in (item.get("source"), item.get("note")) if t),
                    )
                )
        elif isinstance(value, dict):
            detail = {k: v for k, v in value.items() if k not in ("source", "note")}
            rows.append(
                (
                    key,
                    json.dumps(detail, ensure_ascii=False),
                    " ".join(text_in(t, lang) for t in (value.get("source"), value.get("note")) if t),
                )
            )
        else:
            rows.append((key, str(value), note if key != "total_sek" else text_in(block.source, lang)))
    return rows
