"""How the command line prints: tables that fit the terminal, narration of what was used, figures
written atomically.

A table never loses a column to the terminal's width: its headers wrap first, then it is printed
in parts (each repeating the key columns, e.g. region and name), and in a very narrow terminal
(or where it has a row or two) as one block of ``column: value`` lines per row. Numbers never
wrap. Amounts are written by :mod:`kommiljard.money` (``1 280 000 000``; "no data" where a region
had none).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rich import box
from rich.table import Table
from rich.text import Text

from ..money import format_kronor, format_number
from .app import Format, err, lang, out
from .terminal import write_out

if TYPE_CHECKING:
    import pandas as pd

BORDER = 3  # a column's padding (one space each side) and its separator, less the two outer edges
FEW_ROWS = 2  # a table of this many rows or fewer that needs parts is printed as blocks of lines instead
WRAP = ("region_name", "name")  # names may wrap between words; numbers and codes never do


def terminal_width() -> int:
    """The width to fit: the terminal's, or ``COLUMNS`` (piped or captured output: 200 unless set)."""
    return out.width


def cell_text(value, money: bool, language: str = "en") -> str:
    """One cell as text: kronor in the money columns ("no data" where missing), numbers compactly (a decimal
    comma in Swedish)."""
    import pandas as pd  # loaded by then: the command computed a frame (--help imports no pandas)

    if money:
        return format_kronor(value, lang=language)
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        if value.is_integer():
            return format_number(value, 0, lang=language)
        return format_number(float(f"{value:.6g}"), None, lang=language)
    if isinstance(value, int) and not isinstance(value, bool):
        return format_number(value, 0, lang=language)
    return str(value)


def header_text(column: str, language: str = "en") -> str:
    """A column as a header people read, in the language, that may wrap between its words (amounts: the title
    says kronor)."""
    from ..outputs.wording import column_header

    return column_header(str(column), language)


def _table_width(widths: Sequence[int]) -> int:
    return sum(widths) + BORDER * len(widths) - 3


def layout(
    headers: Sequence[str], rows: Sequence[Sequence[str]], keys: int, width: int, wrap: Sequence[bool] = ()
) -> tuple[int, list[list[int]], list[int]] | None:
    """How a table fits ``width``: the number of key columns repeated in each part, the columns of
    each part, and every column's width; None if even one column beside the first key does not fit
    (then print the rows as blocks of lines).

    Every column appears in exactly one part (key columns in every part). A column is at least as
    wide as its longest cell (cells never wrap, except in ``wrap`` columns: their longest word) and
    its header's longest word (headers wrap); spare width goes to what would otherwise wrap.
    """
    n = len(headers)
    wrap = list(wrap) or [False] * n
    cells = [max([len(r[i]) for r in rows] + [1]) for i in range(n)]
    words = [max([len(w) for r in rows for w in r[i].split(" ")] + [1]) if wrap[i] else cells[i] for i in range(n)]
    natural = [max(c, len(h)) for c, h in zip(cells, headers)]
    compact = [max([c] + [len(w) for w in h.split()]) for c, h in zip(words, headers)]

    def widths(columns: list[int]) -> list[int]:
        sized = {i: compact[i] for i in columns}
        spare = width - _table_width(list(sized.values()))
        for i in sorted(columns, key=lambda i: wrap[i]):  # what may not wrap first
            want = natural[i] - sized[i]
            if wrap[i]:  # the wrapping columns share what is left, in proportion to what they lack
                lacking = sum(natural[j] - sized[j] for j in columns if wrap[j]) or 1
                want = min(want, int(spare * want / lacking) if spare > 0 else 0)
            grow = min(max(spare, 0), want)
            sized[i] += grow
            spare -= grow
        return [sized.get(i, natural[i]) for i in range(n)]

    if _table_width(compact) <= width:
        return 0, [list(range(n))], widths(list(range(n)))
    keys = min(keys, n - 1)
    for key_columns in (list(range(keys)), [0] if keys else []):
        others = [i for i in range(n) if i not in key_columns]
        base = [compact[i] for i in key_columns]
        if any(_table_width([*base, compact[i]]) > width for i in others):
            continue
        parts, part = [], []
        for i in others:
            if part and _table_width([*base, *(compact[j] for j in part), compact[i]]) > width:
                parts.append(part)
                part = []
            part.append(i)
        parts.append(part)
        return len(key_columns), [key_columns + p for p in parts], compact
    return None


def print_frame(
    frame: pd.DataFrame,
    fmt: Format,
    title: str,
    money: Sequence[str] = (),
    *,
    keys: int = 1,
    sections: Sequence[int] = (),
    dialect: str | None = None,
    exact: bool = False,
    numbers: Sequence[str] = (),
    wrap: Sequence[str] = WRAP,
    rules=None,
    total: str | None = None,
    synthetic: bool = False,
) -> None:
    """Print a frame as CSV (in a dialect, :mod:`kommiljard.outputs.dialects`) or as a table that fits
    the terminal (see the module docstring), in the command's language (``--lang``).

    ``money`` columns are written as kronor; ``keys`` leading columns name a row and are repeated in
    every part; a line is drawn before each row index in ``sections``; ``numbers`` are text columns
    that hold numbers (aligned right, like numeric columns); ``wrap`` columns may wrap between words;
    ``rules`` names the routes; ``total``: the column that says "total" in a last row of the money
    columns' sums. A Swedish CSV of a ``synthetic`` result starts with a line that says so.
    Cell text is never read as markup.
    """
    import pandas as pd

    language = lang()
    if total is not None:
        frame = with_total(frame, money, total, language)
        sections = [*sections, len(frame) - 1]
    if fmt is Format.csv:
        print_csv(frame, dialect or language, exact, rules=rules, synthetic=synthetic)
        return
    from ..outputs.wording import readable

    shown_frame = readable(frame, language, rules)
    headers = [header_text(str(c), language) for c in frame.columns]
    rows = [
        [cell_text(v, c in money, language) for c, v in zip(frame.columns, row)]
        for row in shown_frame.itertuples(index=False)
    ]
    right = [c in money or c in numbers or pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]
    wrapping = [c in wrap and not r for c, r in zip(frame.columns, right)]  # a number never wraps
    _print_table(headers, rows, title, keys=keys, sections=sections, right=right, wrap=wrapping)


def one_region_column(frame: pd.DataFrame) -> pd.DataFrame:
    """``region`` and ``region_name`` as one column, ``01 Stockholm``: a table a column narrower (terminal)."""
    if "region_name" not in frame.columns:
        return frame
    label = [f"{code} {name}".strip() for code, name in zip(frame["region"], frame["region_name"].fillna(""))]
    return frame.drop(columns="region_name").assign(region=label)


def with_total(frame: pd.DataFrame, money: Sequence[str], label_column: str, language: str) -> pd.DataFrame:
    """The frame with a last row: "total" in ``label_column`` and the sum of every money column."""
    import pandas as pd

    from ..outputs.wording import word

    row = {label_column: word("total", language), **{c: frame[c].sum(min_count=1) for c in money}}
    return pd.concat([frame, pd.DataFrame([row])], ignore_index=True)


def print_csv(frame: pd.DataFrame, dialect: str, exact: bool, *, rules=None, synthetic: bool = False) -> None:
    """A frame as CSV on stdout: the contract's names in English (for programs); in Swedish, for a spreadsheet, the
    headers and values as people read them in the command's language, and a first line if the data are
    synthetic."""
    from ..outputs.dialects import csv_text
    from ..outputs.exports import for_people, synthetic_line

    if dialect == "sv":
        frame = for_people(frame, lang(), rules, exact)
    write_out(csv_text(frame, dialect, exact, note=synthetic_line(lang()) if synthetic and dialect == "sv" else None))


def _print_table(headers, rows, title: str, *, keys: int, sections, right, wrap) -> None:
    """Rows of text as a table that fits the terminal: in parts, or as blocks of lines (module docstring)."""
    width = terminal_width()
    fitted = layout(headers, rows, keys, width, wrap)
    if fitted is None or (len(fitted[1]) > 1 and len(rows) <= FEW_ROWS):  # a row or two read best as lines
        print_blocks(headers, rows, title, keys)
        return
    repeated, parts, sizes = fitted
    for p, columns in enumerate(parts):
        heading = title
        if len(parts) > 1:
            shown = ", ".join(headers[i] for i in columns[repeated:])
            heading = say("part_of", title=title, part=p + 1, parts=len(parts), columns=shown).strip()
        if heading:  # wrapped to the terminal, not to the table: a narrow part's title stays readable
            out.print(Text(heading), width=width)
        table = Table(
            box=box.HEAVY_HEAD,
            show_edge=False,
            pad_edge=False,
        )
        for i in columns:
            table.add_column(Text(headers[i]), justify="right" if right[i] else "left", overflow="fold", width=sizes[i])
        for r, row in enumerate(rows):
            if r in sections:
                table.add_section()
            table.add_row(*(Text(_wrapped(row[i], sizes[i]) if wrap[i] else row[i], no_wrap=True) for i in columns))
        out.print(table, width=width)
    if len(parts) > 1:
        out.print(Text(say("parts_note", parts=len(parts), width=width)), width=width)


def _wrapped(text: str, width: int) -> str:
    """``text`` in lines of at most ``width``, broken at plain spaces only: a number's (non-breaking) digit groups
    and its unit stay together."""
    import textwrap

    return "\n".join(textwrap.wrap(text, width, break_on_hyphens=False)) or text


def group_name(group, language: str, short: bool = False) -> str:
    from ..kinds.naming import group_name as named

    return named(group, language, short)


def colour_word(name: str, language: str) -> str:
    from ..kinds.naming import colour_word as named

    return named(name, language)


def say(key: str, **values) -> str:
    """One of the command line's words (``outputs/words.toml``, table ``say``) in the command's language."""
    from ..outputs.wording import word

    return word(f"say.{key}", lang(), **values)


def print_blocks(headers: Sequence[str], rows: Sequence[Sequence[str]], title: str, keys: int) -> None:
    """A table too wide for the terminal even in parts: one block of ``column: value`` lines per row."""
    label = max(len(h) for h in headers)
    if title:
        out.print(Text(title), soft_wrap=True)
    for row in rows:
        out.print(Text(" ".join(k for k in row[:keys] if k.strip())), soft_wrap=True)
        for h, v in zip(headers[keys:], row[keys:]):
            if v.strip():
                out.print(Text(f"  {h:<{label}}  {v}"), soft_wrap=True)


def print_payout(result, whole, fmt: Format, dialect: str, exact: bool) -> None:
    """A payout's tables: per region (with a total row), per block, month and group, and what was paid of the
    total; or, with ``--format csv``, the summary per region."""
    from ..money import kronor
    from ..outputs.wording import cell_when

    summary = whole.summary
    money = [c for c in summary.columns if c.startswith("block") or c == "total_sek"]
    if fmt is Format.csv:
        if dialect == "sv" and not exact:  # whole kronor in every amount, as the total (4761905, not 4761905,0)
            summary = summary.astype(dict.fromkeys([c for c in money if summary[c].notna().all()], "int64"))
        print_frame(summary, fmt, "", money, dialect=dialect, exact=exact, synthetic=result.panel.synthetic)
        return
    synthetic = say("synthetic_title") if result.panel.synthetic else ""
    title = say("payout_title", rules=result.rules.id, synthetic=synthetic)
    print_frame(one_region_column(summary), fmt, title, money, keys=1, total="region")
    cells = whole.cells.drop(columns="qualifiers")  # in the workbook and --format json; here the table fits 80
    cells = cells if cells["no_data"].any() else cells.drop(columns="no_data")
    cells, own = _kind_money(cells)
    blocks = {b.number: b for b in result.rules.ruleset.blocks}
    cells["month"] = [cell_when(blocks[b], m, lang(), short=True) if isinstance(m, str) else m
                      for b, m in zip(cells["block"], cells["month"])]  # fmt: skip
    amounts = ["pot_sek", "paid_sek", "lapsed_sek"]
    print_frame(cells, fmt, say("cells_title"), amounts, keys=3, total="month", rules=result.rules, numbers=own)
    paid, lapsed = (kronor(whole.cells[c].sum(), lang=lang()) for c in ("paid_sek", "lapsed_sek"))
    top = whole.cells.get("to_top_regions_sek")
    paid += say("of_which_top", amount=kronor(top.sum(), lang=lang())) if top is not None else ""
    out.print(say("paid_line", paid=paid, lapsed=lapsed, total=kronor(result.rules.ruleset.total_sek, lang=lang())),
              highlight=False)  # fmt: skip


def _kind_money(cells):
    """The cells with the money columns of some kinds only (earned and bonus, what went to the top regions) as
    text: kronor, and "-" in a block whose kind has no such money (not "no data")."""
    own = [c for c in cells.columns if c.endswith("_sek") and c not in ("pot_sek", "paid_sek", "lapsed_sek")]
    cells = cells.copy()
    for c in own:
        cells[c] = [format_kronor(v, lang=lang()) if v == v else "-" for v in cells[c]]
    return cells, own


def print_whatif(result, actions, fmt: Format) -> None:
    """A what-if in the terminal: what changed, the region's total before and after, and per month and group the
    lever's state (``actions.view``: a share and improvement ...), tier and route, the kronor, how far the next step
    is and what one more unit of the lever brings."""
    import pandas as pd

    from ..inputs.regions import region_label
    from ..kinds.base import word
    from ..kinds.naming import measure_name
    from ..money import format_pp, kronor
    from ..outputs.wording import cell_when, readable

    language, c, lever = lang(), result.cells, actions.lever
    blocks = {b.number: b for b in result.baseline.rules.ruleset.blocks}
    synthetic = say("synthetic_title") if result.baseline.panel.synthetic else ""
    changed = chosen_text(result.chosen, language)
    pp = lever.unit == "pp"
    change = (
        format_pp(result.change, lang=language)
        if pp
        else format_number(result.change, None, result.change < 0, language)
    )
    what = word(lever.words, "whatif", language, measure=measure_name(actions.measures[0], language), change=change)
    out.print(Text.assemble((say("whatif_title", region=region_label(result.region), what=what), "bold"),
                            " " + say("whatif_in", cells=changed) + synthetic), highlight=False)  # fmt: skip
    before, after = kronor(result.baseline_sek, lang=language), kronor(result.scenario_sek, lang=language)
    delta = kronor(result.delta_sek, signed=True, lang=language)
    out.print(say("whatif_total", before=before, after=after, delta=delta), highlight=False)
    routes = readable(c[["block", "route_after"]], language, result.baseline.rules)["route_after"]
    by_target = [r not in ("none", "improvement") for r in c["route_after"]]  # say so only for the target's route
    state, following = actions.view(c, language)
    extra = f"sek_per_extra_{lever.unit}"
    view = pd.DataFrame({
        "month": [cell_when(blocks[b], m, language, short=True) for b, m in zip(c["block"], c["month"])],
        "group": c["group"],
        **state,
        "tier": [f"{b} → {a}" + (f" ({r})" if t else "")
                 for b, a, r, t in zip(c["tier_before"], c["tier_after"], routes, by_target)],
        **following,
        "before_sek": c["amount_before_sek"],
        "after_sek": c["amount_after_sek"],
        "delta_sek": c["delta_sek"],
        extra: [format_kronor(v, lang=language) for v in c[extra]],
    })  # fmt: skip
    money = ["before_sek", "after_sek", "delta_sek"]
    numbers = [*state, "tier", *following, extra]
    print_frame(view, fmt, say("whatif_cells"), money, keys=2, numbers=numbers, total="month")


def chosen_text(chosen, language: str) -> str:
    """The cells a what-if moved: the groups that share their months together, then those months as runs
    (``first visits Sep–Nov 2019``; ``cataract, prolapse and colonoscopy Jan–Dec 2026``)."""
    from ..outputs.wording import month_range

    months: dict[str, list[str]] = {}
    for _, month, group in chosen:
        months.setdefault(group, []).append(month)
    groups: dict[str, list[str]] = {}
    for group, its_months in months.items():
        groups.setdefault(month_range(its_months, language), []).append(group_name(group, language, True))
    return "; ".join(f"{said_list(names)} {when}" for when, names in groups.items())


def said_list(names: list[str]) -> str:
    """Names as a sentence lists them: ``a``, ``a and b``, ``a, b and c`` (``och`` in Swedish); with semicolons
    between them where a name has a comma of its own (``7. CAP, first visits; 8. CAP, assessments``)."""
    comma = "; " if any("," in name for name in names) else ", "
    return names[0] if len(names) == 1 else comma.join(names[:-1]) + say("and") + names[-1]


def print_curve(points, who: str, fmt: Format) -> None:
    """A payout curve in the terminal: the points where the amount or the tier changes, and the last."""
    import pandas as pd

    from ..money import format_pp

    axis = points.columns[0]
    steps = points[(points["amount_sek"].diff() != 0) | (points["tier"].diff() != 0)]
    steps = pd.concat([steps, points.tail(1)]).drop_duplicates(axis)
    pp = axis.endswith("_pp")
    lo, hi = (format_pp(v, lang=lang()) if pp else format_number(v, None, True, lang()) for v in
              (points[axis].iloc[0], points[axis].iloc[-1]))  # fmt: skip
    unit = " " + say("pp_unit") if pp else ""
    out.print(say("curve_title", region=who, n=format_number(len(points), lang=lang()), lo=lo, hi=hi, unit=unit),
              highlight=False)  # fmt: skip
    print_frame(steps, fmt, "", ["amount_sek"])


def say_sweep(origin: str, rules, seed: int, n: int, lever: tuple | None, observed) -> None:
    """What a sweep draws from: scenario, rules, seed, trajectories, lever and observed panel."""
    from ..money import pp
    from ..outputs.wording import provenance_value

    origin = provenance_value(origin, lang())
    text = say("sweep_line", origin=origin, rules=rules, seed=seed, n=format_number(n, lang=lang()))
    if lever:  # (region, its change: a number of pp, or as the lever writes it)
        change = lever[1] if isinstance(lever[1], str) else pp(lever[1], lang=lang())
        text += "; " + say("sweep_lever", region=lever[0], pp=change)
    if observed:
        text += "; " + say("sweep_observed", observed=observed)
    err.print(text, highlight=False)


def say_done(result, n: int, out_dir, variants: int = 1) -> None:
    """How a sweep went: trajectories (of each of ``variants``), time, parts computed and reused, Dask workers, the
    folder written."""
    m = result.manifest
    dask = say("sweep_dask", workers=m["dask"]["workers"]) if result.computed_parts and m.get("dask") else ""
    seconds = format_number(result.elapsed_s, 1, lang=lang())
    count = format_number(n, lang=lang()) + (f" × {variants} {say('variants')}" if variants > 1 else "")
    err.print(say("sweep_done", n=count, seconds=seconds, computed=result.computed_parts,
                  reused=result.reused_parts, dask=dask, out=f"{out_dir}/"), highlight=False)  # fmt: skip


def print_sweep(summary, m: dict, name: str, region: str | None, fmt: Format, change: str | None = None) -> None:
    """A sweep's summary in the terminal: per region the mean and 5/50/95 percentiles of its block-1 amount (mnkr)
    and its chance of reaching each bar per group; with a lever, the gain; for a forecast, the chance by month."""
    import pandas as pd

    from ..inputs.regions import normalise_code
    from ..money import format_mnkr, mnkr

    language = lang()
    groups, bars = m["block"]["groups"], m["block"]["bars"]  # from the rules, never parsed out of column names
    steps, note = chance_words(bars, language)
    rows = []
    for _, r in summary.iterrows():
        row = {"region": f"{r['region']} {r['region_name']}"}
        row |= {f"{c}_sek": format_mnkr(r[f"{c}_sek"], lang=language) for c in ("mean", "p5", "p50", "p95")}
        for g in groups:
            chance = "/".join(format_number(100 * r[f"p_{b}_{g}"], lang=language) for b in bars)
            row[say("chance_header", group=sweep_group(g, language))] = chance
        if region is not None:
            row |= {"mean_gain_sek": format_mnkr(r["mean_gain_sek"], lang=language),
                    say("p5_to_p95"): f"{format_mnkr(r['p5_gain_sek'], lang=language)} – "
                                      f"{format_mnkr(r['p95_gain_sek'], lang=language)}"}  # fmt: skip
        rows.append(row)
    view = pd.DataFrame(rows)
    title = say("sweep_title", name=name, n=format_number(m.get("n"), lang=language))
    print_frame(view, fmt, title, keys=1, numbers=[c for c in view.columns if c != "region"])
    out.print(note, highlight=False)
    if (m.get("observed") or {}).get("forecast_from"):
        _print_by_month(summary, m, fmt)
    if region is not None:
        row = summary.set_index("region").loc[normalise_code(region)]

        def chances(suffix: str, g: str) -> str:
            return "/".join(format_number(100 * row[f"p_{b}_{g}{suffix}"], lang=language) for b in bars)

        moves = "; ".join(f"{sweep_group(g, language)} {steps} {chances('_baseline', g)} % → {chances('', g)} %"
                          for g in groups)  # fmt: skip
        who = f"{normalise_code(region)} {change}" if change else normalise_code(region)
        out.print(say("lever_line", region=who, gain=mnkr(row["mean_gain_sek"], lang=language),
                      low=format_mnkr(row["p5_gain_sek"], lang=language), high=mnkr(row["p95_gain_sek"], lang=language),
                      moves=moves), highlight=False)  # fmt: skip


def chance_words(bars, language: str) -> tuple[str, str]:
    """The steps a sweep counts the chance of, in words (``blå/röd/orange``; a kind's own steps by its words), and
    the note under its table (a staircase's bars in a measurement month, or a kind's steps over its period)."""
    from ..outputs.wording import kind_step

    own = [kind_step(b, language) for b in bars]
    if all(own):
        return "/".join(own), say("chance_note_steps", steps="/".join(own))
    steps = "/".join(colour_word(b, language) for b in bars)
    return steps, say("chance_note", bars=steps)


def sweep_group(group: str, language: str) -> str:
    """A sweep's group in words (``all``: the whole block, for a kind whose cell is every group)."""
    from ..outputs.wording import word

    return word("column.all_groups", language) if group == "all" else group_name(group, language, True)


def print_lever_grid(rows, m: dict, code: str, n: int, fmt: Format) -> None:
    """A lever grid: per size of the lever, the gain's mean and 5/50/95 percentiles (mnkr) and the chances."""
    import pandas as pd

    from ..money import format_mnkr, format_pp

    language = lang()
    groups, bars = m["block"]["groups"], m["block"]["bars"]
    unit = (m.get("lever") or {}).get("unit") or "pp"  # a manifest of an older version: pp
    if unit == "pp":
        view = pd.DataFrame({say("lever_pp"): [format_pp(v, lang=language) for v in rows["improve_pp"]]})
    else:
        from ..kinds.look import unit_word

        sizes = [format_number(v, None, True, language) for v in rows["improve_pp"]]
        view = pd.DataFrame({say("lever_unit", unit=unit_word(unit, language)): sizes})
    for stat in ("mean", "p5", "p50", "p95"):
        view[f"{stat}_sek"] = [format_mnkr(v, lang=language) for v in rows[f"{stat}_gain_sek"]]
    for g in groups:
        view[say("chance_header", group=sweep_group(g, language))] = [
            "/".join(format_number(100 * r[f"p_{b}_{g}"], lang=language) for b in bars) for _, r in rows.iterrows()
        ]
    title = say("grid_title", region=code, n=format_number(n, lang=language), block=m["block"]["number"])
    print_frame(view, fmt, title, keys=1, numbers=list(view.columns))
    out.print(chance_words(bars, language)[1], highlight=False, markup=False)


def _print_by_month(summary, m: dict, fmt: Format) -> None:
    """A forecast's chance to reach the lowest bar, by month and group."""
    import pandas as pd

    from ..outputs.wording import month_name

    language = lang()
    groups, bars = m["block"]["groups"], m["block"]["bars"]
    cells = [(month, g) for month in m["block"]["months"] for g in groups]
    header = {c: f"{month_name(c[0], language, True)}, {group_name(c[1], language, True)}" for c in cells}
    by_month = pd.DataFrame({
        "region": summary["region"],
        **{header[c]: [format_number(100 * v, lang=language) for v in summary[f"p_{bars[0]}_{c[1]}_{c[0]}"]]
           for c in cells},
    })  # fmt: skip
    title = say("by_month_title", bar=colour_word(bars[0], language))
    print_frame(by_month, fmt, title, keys=1, numbers=list(header.values()))


def print_rules(r) -> None:
    """A rule set in the terminal, in the command's language: its title, version and origin, then per block every
    parameter in words and kronor with its source and note, then the named alternatives."""
    import pandas as pd

    from ..outputs.wording import provenance_value, rule_rows
    from ..rules.texts import alternative_name, text_in

    language, rs = lang(), r.ruleset
    valid = say("rules_valid", first=rs.valid_from, last=rs.valid_to) if rs.valid_from else ""
    out.print(Text.assemble((rs.title, "bold"), f" ({r.id}, {say('rules_version', version=rs.version)}{valid})"),
              highlight=False)  # fmt: skip
    out.print(text_in(rs.agreement, language), highlight=False, soft_wrap=False)
    out.print(say("rules_origin", origin=provenance_value(r.origin, lang()), sha=r.sha256[:12]), highlight=False)
    if r.overrides:
        from ..rules.common import changes_text

        out.print(say("rules_changed", changes=changes_text(r.overrides)), highlight=False)
    for block in rs.blocks:
        frame = pd.DataFrame(rule_rows(block, language), columns=["parameter", "value", "source"])
        frame.columns = [say(f"rules_{c}") for c in frame.columns]
        print_frame(frame, Format.table, f"{say('rules_block')} {block.number}: {block.name}", keys=0,
                    wrap=list(frame.columns))  # fmt: skip
    if rs.alternatives:
        rows = [(alternative_name(a.name, language), a.name, text_in(a.label, language), text_in(a.source, language))
                for a in rs.alternatives]  # fmt: skip
        columns = [say("rules_alternative"), say("rules_name"), say("rules_what"), say("rules_source")]
        frame = pd.DataFrame(rows, columns=columns)
        print_frame(frame, Format.table, say("rules_alternatives"), keys=0, wrap=list(frame.columns))


def say_imported(imported) -> None:
    """What an import made: the panel's rows, regions and months, what was left out, warnings, the synthetic mark."""
    from ..outputs.wording import month_range

    f, language = imported.frame, lang()
    months = month_range(sorted(f["month"].unique()), language)
    rows = format_number(len(f), lang=language)
    err.print(say("imported_panel", rows=rows, regions=f["region"].nunique(), months=months), markup=False,
              highlight=False)  # fmt: skip
    if imported.left_out:
        more = say("and_more", n=len(imported.left_out) - 5) if len(imported.left_out) > 5 else ""
        shown = "; ".join(imported.left_out[:5]) + more
        err.print(say("imported_left_out", n=imported.dropped_rows, shown=shown), markup=False, highlight=False)
    for warning in imported.warnings:
        err.print(f"{say('warning')}: {warning}", style="yellow", markup=False, highlight=False)
    if imported.synthetic:
        err.print(say("imported_synthetic"), style="yellow")


def print_import_summary(summary, files: list[str], fmt: Format) -> None:
    """An import's regions: code and name, how the files wrote them, and how many rows each has; the months and
    groups once above the table when every region has the same (they make the lines long otherwise)."""
    from ..outputs.wording import month_range

    language = lang()
    if fmt is Format.csv:
        print_frame(summary, fmt, "")
        return
    view = one_region_column(summary)
    same = view["months"].nunique() == 1 and view["groups"].nunique() == 1
    if same:
        months = month_range(view["months"].iloc[0].split(), language)
        groups = ", ".join(group_name(g, language) for g in view["groups"].iloc[0].split())
        out.print(say("imported_every_region", months=months, groups=groups), highlight=False, markup=False)
        view = view.drop(columns=["months", "groups"])
    title = say("imported_title", files=", ".join(files))
    print_frame(view, fmt, title, keys=1, wrap=["written_as", "months", "groups"])


def print_fit(fitted, source: str, fmt: Format) -> None:
    """Each fitted region: its share_90 level in the baseline year (%) and trend (pp a year) per group, the months
    its fit used (missing or suppressed ones among them in brackets) and whether it borrowed from the pool."""
    import pandas as pd

    from ..forecasting.fit import expit_pct
    from ..inputs.regions import region_names
    from ..money import format_pp, format_share

    language, p, names = lang(), fitted.region, region_names()
    rows = []
    for ri, code in enumerate(fitted.regions):
        row = {"region": code, say("name"): names.get(code, "")}
        for gi, g in enumerate(fitted.groups):
            pct = float(expit_pct(p.level[ri, gi]))
            trend = p.trend[ri, gi] * pct * (100 - pct) / 100
            row[group_name(g, language, True)] = (
                f"{format_share(round(pct, 1), language)} {format_pp(round(trend, 1), 1, lang=language)}"
            )
        used = fitted.data[fitted.data["region"] == code]
        missing = int(used["missing_months"].max())
        row[say("fit_months")] = f"{used['n_months'].min()}" + (f" ({missing})" if missing else "")
        row[say("fit_borrowed")] = say("yes") if fitted.borrowed[ri].any() else ""
        rows.append(row)
    view = pd.DataFrame(rows)
    title = say("fit_title", source=source, year=fitted.baseline_year)
    print_frame(view, fmt, title, keys=2, numbers=list(view.columns[2:]), wrap=(say("name"),))
    out.print(say("fit_note"), highlight=False)


def print_backtest(regions, s: dict, fmt: Format) -> None:
    """A backtest per region: the forecast's mean and 50 % and 90 % intervals, the realised payout, which intervals
    it fell in, and the naive forecast (mnkr); a total row; then the coverage and errors."""
    import pandas as pd

    from ..money import format_mnkr, format_percent, mnkr

    language = lang()
    m = lambda v: format_mnkr(v, lang=language)  # noqa: E731 - one line
    view = pd.DataFrame({
        "region": [f"{r.region} {r.region_name}" for r in regions.itertuples()],
        "mean_sek": regions["mean_sek"] / 1e6,
        "inside_90": [f"{m(a)}–{m(b)}" for a, b in zip(regions["p5_sek"], regions["p95_sek"])],
        "realised_sek": regions["realised_sek"] / 1e6,
        "in": [_fell_in(a, b) for a, b in zip(regions["inside_50"], regions["inside_90"])],
        "naive_sek": regions["naive_sek"] / 1e6,
    })  # fmt: skip
    view = with_total(view, ["mean_sek", "realised_sek", "naive_sek"], "region", language)
    for c in ("mean_sek", "realised_sek", "naive_sek"):
        view[c] = [format_number(v, 1, lang=language) for v in view[c]]
    view = view.fillna("").rename(columns={"inside_90": say("interval_90"), "in": say("fell_in")})
    title = say("backtest_title", as_of=s["as_of"])
    print_frame(view, fmt, title, keys=1, numbers=list(view.columns[1:]), sections=[len(view) - 1])
    k = s["regions"]
    out.print(say("backtest_scores", in50=round(s["coverage_50"] * k), in90=round(s["coverage_90"] * k), k=k,
                  pct50=format_percent(100 * s["coverage_50"], 0, language),
                  pct90=format_percent(100 * s["coverage_90"], 0, language),
                  mae=mnkr(s["mae_sek"], lang=language), naive=mnkr(s["mae_naive_sek"], lang=language),
                  crps=mnkr(s["crps_sek"], lang=language), crps_naive=mnkr(s["crps_naive_sek"], lang=language),
                  crps_default=mnkr(s["crps_default_sek"], lang=language) if s.get("crps_default_sek") is not None
                  else "–"), highlight=False)  # fmt: skip


def _fell_in(inside_50: bool, inside_90: bool) -> str:
    return "50, 90" if inside_50 else "90" if inside_90 else say("outside")


def narrate(result) -> None:
    """What a payout was computed from: rules (and changes), panel, population and conditions, on stderr."""
    from ..outputs.wording import provenance_value
    from ..rules.common import changes_text

    p, language = result.provenance, lang()
    changes = changes_text(p["rules"]["overrides"])
    origin = provenance_value(p["rules"]["origin"], language)
    err.print(say("rules_with" if changes else "rules", origin=origin, changes=changes), highlight=False)
    err.print(say("panel", source=p["panel"]["source"]), highlight=False)
    if result.panel.synthetic:
        err.print(say("synthetic_panel"), style="yellow")
    source = provenance_value(p["population"]["source"], language)
    blocks = [str(b.number) for b in result.rules.ruleset.blocks if getattr(b, "conditions", None)]
    if blocks:  # only a rule set whose blocks have conditions says whose were met
        conditions = provenance_value(p["conditions"], language)
        said = say("population", source=source, conditions=conditions, blocks=", ".join(blocks))
    else:
        said = say("population_only", source=source)
    err.print(said, highlight=False)
    warn_no_data(result.no_data())


def wrote(*paths, what: str = "") -> None:
    """Say which files a command wrote (``what``: what they are, in words)."""
    names = ", ".join(map(str, paths))
    err.print(say("wrote_what" if what else "wrote", files=names, what=what), highlight=False)


def warn_no_data(gaps: dict[str, str], computed: bool = True) -> None:
    """Say which regions were (or would be) computed without data (``--allow-missing-regions``), and what
    that means."""
    from ..engine import no_data_message

    if gaps:
        err.print(Text(f"{say('warning')}: {no_data_message(gaps, computed)}", style="yellow"), soft_wrap=True)


def write_figure(figure, path: Path) -> None:
    """Save a figure atomically (the suffix chooses the format)."""
    from ..outputs.files import atomic_path

    with atomic_path(path) as tmp:
        figure.savefig(tmp, format=path.suffix.lstrip(".") or "png", bbox_inches="tight", dpi=120)
