"""The parameter table of a rule set shows every parameter with every source and note."""

from __future__ import annotations

from kommiljard.rules.describe import parameter_rows


def test_every_source_and_note_of_a_block_is_shown_beside_a_parameter(rules):
    for block in rules.ruleset.blocks:
        rows = parameter_rows(block)
        shown = " ".join(source for _, _, source in rows)
        data = block.model_dump(mode="json")
        texts = [v for k, v in data.items() if k.endswith(("_source", "_note")) or k == "source"]
        texts += [
            item.get(k)
            for v in data.values()
            if isinstance(v, list)
            for item in v
            if isinstance(item, dict)
            for k in ("source", "note")
        ]
        texts += [data["target"][k] for k in ("source", "note")] if data.get("target") else []
        assert [t for t in texts if t and t not in shown] == []


def test_the_comparison_months_carry_their_source(rules):
    rows = {parameter: source for parameter, _, source in parameter_rows(rules.ruleset.block(1))}
    assert rows["compare_lag_months"] == rules.ruleset.block(1).compare_source
    assert "blå stapel" in rows["bars: blue"]
