"""The picture of one toy quota cell: each region's visits, the threshold, and who shares the pot."""

from __future__ import annotations


def block_kind(block):
    from kommiljard.kinds import kind_of

    return kind_of(block)


def plot_cell(result, block, cell, ax=None, lang="en"):
    from kommiljard.kinds.look import label, new_axes, plain, provenance_note

    ax = new_axes(ax, (8.0, 4.0))
    steps, rows, members = result.cell_tables(block.number, *cell)
    colours = ["#1f77b4" if r in members.get("quota", []) else "#bbbbbb" for r in rows["region"]]
    ax.bar(rows["region"], rows["visits"], color=colours)
    ax.axhline(block.threshold, color="#333", linestyle="--", linewidth=1)
    from kommiljard.kinds import kind_word
    from kommiljard.money import kronor

    note, synthetic = provenance_note(result.provenance, lang)
    quota, pot = kind_word(block_kind(block), "kind", lang), kronor(steps["pot_sek"].iloc[0], lang=lang)
    label(
        ax,
        plain(f"Block {block.number}, {cell[0]} {cell[1]}: {quota}, pot {pot}"),
        note,
        synthetic,
    )
    ax.set_ylabel("besök" if lang == "sv" else "visits")
    return ax
