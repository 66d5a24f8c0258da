"""The what-if page: one self-contained HTML file where a region sets an improvement and sees its kronor.

The engine precomputes every region's amount in every lever cell (a staircase's month and group)
on a grid of its lever (:func:`kommiljard.analysis.curves.cell_curves`); the page only looks those
values up and adds them, so it holds no rule logic and equals ``kommiljard whatif`` to the öre
on the grid. What a cell shows (its group, steps, tiers, routes and colours) is its kind's
(:meth:`kommiljard.kinds.base.BlockKind.page_cell`); the lever may reword the page (its words
``page.<key>`` replace ``text.toml``'s ``<key>``). Its HTML, CSS and JavaScript are package
data (``outputs/page_template/``), inlined into one file with the data as JSON; a
Content-Security-Policy allows only those two inline blocks, so the page can make no network
request. Every text from the inputs (region names, rule titles, the panel's source) reaches the
page as JSON data or escaped HTML and is shown with ``textContent``.

With sweeps (``--sweep``) the page also shows the gain's distribution for each lever value of a
sweep, or of a lever grid (several sweeps on the same draws that differ only in ``--improve``),
read from the sweeps' files.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import string
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd

from .. import __version__
from ..analysis.curves import CellCurves, cell_curves
from ..analysis.levers import lever_blocks
from ..engine import Payout
from ..errors import InputError
from ..inputs.regions import region_label, region_names
from ..kinds import kind_of, word
from ..kinds.naming import measure_name
from ..language import in_quotes, spoken
from ..money import format_number
from ..rules import Rules, changes_text
from .files import detail, say, write_text
from .wording import cell_when, provenance_value

TEMPLATE = files("kommiljard") / "outputs" / "page_template"
TEXT = tomllib.loads((TEMPLATE / "text.toml").read_text(encoding="utf-8"))  # the page's words, per language
LANGS = tuple(TEXT)
SWEEP_STATS = ("mean_gain_sek", "p5_gain_sek", "p50_gain_sek", "p95_gain_sek", "mean_sek", "mean_baseline_sek")


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _kr(amount: float) -> str:
    return f"{amount:,.0f}".replace(",", "\u202f")


def _signed_kr(amount: float) -> str:
    """``+1 234``, ``−1 234`` or ``±0`` (whole kronor), as the page's script writes them."""
    whole = round(amount)
    return ("+" if whole > 0 else "\u2212" if whole < 0 else "\u00b1") + _kr(abs(whole))


def _pp(value: float, decimals: int, lang: str) -> str:
    """``+2.5``, ``−0.3``, ``0.0`` (no sign) and ``+2 000`` (thousands apart), with a decimal comma in Swedish: as the
    page's script writes them."""
    text = f"{abs(value):,.{decimals}f}"
    sign = "" if float(text.replace(",", "")) == 0 else "+" if value > 0 else "\u2212"
    return sign + text.replace(",", "\u202f").replace(".", "," if lang == "sv" else ".")


def grid_decimals(step: float) -> int:
    """The decimals of a grid of this step: 0 for 1 or 50, 1 for 0.1."""
    return max(0, -math.floor(math.log10(step) + 1e-9))


def _template(name: str) -> str:
    return (TEMPLATE / name).read_text(encoding="utf-8")


def _finite(value) -> float | None:
    """A cell's value for the page's data: None where it has none (a requirement without a level), never NaN."""
    value = float(value)
    return value if math.isfinite(value) else None


def _json_for_script(data: dict) -> str:
    """JSON that cannot end its ``<script>`` element or open a comment inside it."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def check_lang(lang: str) -> dict:
    if lang not in LANGS:
        raise InputError(say("refuse.page_lang", lang=lang, langs=", ".join(LANGS)))
    return TEXT[lang]


def month_label(month: str, lang: str) -> str:
    return f"{TEXT[lang]['months'][int(month[5:7]) - 1]} {month[:4]}"


def page_words(curves: CellCurves, lang: str) -> dict:
    """The page's words: ``text.toml``'s, with those the lever rewords (its words ``page.<key>``)."""
    t = dict(TEXT[lang])
    words = lever_blocks(curves.result.rules)[0].actions.lever.words
    t |= {k.removeprefix("page."): word(words, k, lang) for k in words if k.startswith("page.")}
    return t


def page_cell(rules: Rules, number: int, month: str, group: str, lang: str) -> dict:
    """What the page shows of one lever cell, in words (:meth:`kommiljard.kinds.base.BlockKind.page_cell`)."""
    block = rules.ruleset.block(number)
    return kind_of(block).page_cell(block, (month, group), lang)


def _runs(amount: np.ndarray, tier: np.ndarray, route: np.ndarray) -> list[list]:
    """One cell's curve as runs: [first grid position, amount, tier, route] wherever one of them changes."""
    change = np.flatnonzero((np.diff(amount) != 0) | (np.diff(tier) != 0) | (np.diff(route) != 0)) + 1
    return [[int(i), float(amount[i]), int(tier[i]), int(route[i])] for i in np.concatenate([[0], change])]


# ---- sweeps: read from their files (outputs never run or import the sweep modules) ----------------------------


@dataclass(frozen=True)
class LeverSweep:
    """A complete sweep with a lever, as its files say: ``manifest.json`` and ``summary.parquet``."""

    out_dir: Path
    manifest: dict
    summary: pd.DataFrame

    @property
    def improve_pp(self) -> float:
        return float(self.manifest["lever"]["improve_pp"])

    def world(self) -> dict:
        """Everything but the lever's size: equal across the sweeps of one lever grid (the same draws)."""
        m = self.manifest
        return {
            "scenario": m.get("scenario"),
            "rules": {k: (m.get("rules") or {}).get(k) for k in ("id", "sha256", "overrides")},
            "population": m.get("population"),
            "seed": m.get("seed"),
            "n": m.get("n"),
            "observed": (m.get("observed") or {}).get("sha256"),
            "lever": {k: m["lever"].get(k) for k in ("region", "months", "groups")},
        }


def _read_sweep(out_dir: Path) -> LeverSweep:
    path = out_dir / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, ValueError) as exc:
        raise InputError(say("refuse.manifest_unreadable", path=path, detail=detail(exc))) from None
    if manifest.get("status") != "complete" or not (out_dir / "summary.parquet").is_file():
        raise InputError(say("refuse.page_incomplete", directory=out_dir))
    if not manifest.get("lever"):
        raise InputError(say("refuse.no_lever", directory=out_dir))
    return LeverSweep(out_dir, manifest, pd.read_parquet(out_dir / "summary.parquet"))


def read_lever_sweeps(paths: Iterable[str | Path]) -> list[LeverSweep]:
    """The sweeps given to ``--sweep``: each a sweep directory or a folder of them (a lever grid, as
    ``kommiljard sweep --improve 0,1,2,3`` writes it), in order of the lever's size.

    They must form one lever grid: the same scenario, seed, n, rules, population, observed months,
    region and cells, differing only in the improvement.
    """
    found: list[Path] = []
    for path in map(Path, paths):
        if (path / "manifest.json").is_file():
            found.append(path)
        elif path.is_dir() and (inside := sorted(p.parent for p in path.glob("*/manifest.json"))):
            found += inside
        else:
            raise InputError(say("refuse.not_a_sweep", path=path))
    if not found:
        raise InputError(say("refuse.no_sweep_given"))
    sweeps = sorted((_read_sweep(p) for p in found), key=lambda s: s.improve_pp)
    first = sweeps[0]
    for other in sweeps[1:]:
        differ = [k for k, v in first.world().items() if other.world()[k] != v]
        if differ:
            differ = ", ".join(say(f"refuse.world.{k}") for k in differ)
            raise InputError(say("refuse.sweeps_differ", first=first.out_dir, other=other.out_dir, differ=differ))
    sizes = [s.improve_pp for s in sweeps]
    if len(set(sizes)) != len(sizes):
        twice = sorted({x for x in sizes if sizes.count(x) > 1})
        raise InputError(
            say(
                "refuse.sweeps_twice",
                sizes=", ".join(format_number(x, None, signed=True, lang=spoken()) for x in twice),
            )
        )
    return sweeps


def check_sweeps(sweeps: list[LeverSweep], rules: Rules) -> None:
    """Sweeps the page can show: they ran the page's rules (with the same changes)."""
    theirs = sweeps[0].manifest.get("rules") or {}
    ours = {"id": rules.id, "sha256": rules.sha256, "overrides": dict(rules.overrides)}
    if {k: theirs.get(k) for k in ours} != ours:
        raise InputError(
            say(
                "refuse.sweep_rules",
                directory=sweeps[0].out_dir,
                theirs=theirs.get("id"),
                their_changes=_changes(theirs.get("overrides")),
                their_sha=str(theirs.get("sha256"))[:12],
                ours=rules.id,
                our_changes=_changes(ours["overrides"]),
                our_sha=rules.sha256[:12],
            )
        )


def _changes(overrides: dict | None) -> str:
    """A rule set's changes (``--set``) as typed, followed by a space; nothing if none."""
    return changes_text(overrides, " ") + " " if overrides else ""


def _sweep_data(sweeps: list[LeverSweep], curves: CellCurves, lang: str) -> dict:
    """Per lever value the gain's distribution for the lever's region; bar and group names from the rules."""
    rules = curves.result.rules
    check_sweeps(sweeps, rules)
    m = sweeps[0].manifest
    block = rules.ruleset.block(m["block"]["number"])
    kind, region = kind_of(block), m["lever"]["region"]
    groups = list(dict.fromkeys(g for _, g in kind.cells(block)))
    shown = {g: kind.page_cell(block, next(c for c in kind.cells(block) if c[1] == g), lang) for g in groups}
    steps = kind.step_names(block)
    chances = [(g, k, f"p_{name}_{g}") for g in groups for k, name in enumerate(steps)]
    needed = [*SWEEP_STATS, *(c for *_, c in chances), *(f"{c}_baseline" for *_, c in chances)]
    levels = []
    for sweep in sweeps:
        summary = sweep.summary.set_index("region")
        missing = [c for c in needed if c not in summary.columns]
        if missing or region not in summary.index:
            what = (
                say("refuse.summary_columns", columns=", ".join(in_quotes(c) for c in missing))
                if missing
                else say("refuse.summary_region", region=region)
            )
            path = f"{sweep.out_dir}/summary.parquet"
            raise InputError(say("refuse.summary_lacks", path=path, what=what, rules=rules.id))
        row = summary.loc[region]
        k = round(sweep.improve_pp / curves.step)
        on_grid = abs(k * curves.step - sweep.improve_pp) < 1e-9 and curves.k[0] <= k <= curves.k[-1]
        levels.append(
            {
                "improve_pp": sweep.improve_pp,
                "k": int(k) if on_grid else None,
                "stats": {c: float(row[c]) for c in SWEEP_STATS},
                "chances": [
                    {
                        "group": shown[g]["group"],
                        "bar": shown[g]["steps"][k],
                        "without": float(row[f"{c}_baseline"]),
                        "with": float(row[c]),
                    }
                    for g, k, c in chances
                ],
                "source": str(sweep.out_dir),
            }
        )
    lever_cells = [(c["month"], c["group"]) for c in m["lever"]["cells"]]
    every = not (m["lever"].get("months") or m["lever"].get("groups"))
    return {
        "region": region,
        "region_label": f"{region} {region_names().get(region, '')}".strip(),
        "block": block.number,
        "cells": [cell_key(month, group) for month, group in lever_cells],
        "cells_label": (
            TEXT[lang]["all_cells"]
            if every
            else ", ".join(f"{month_label(mo, lang)} {shown[g]['group']}" for mo, g in lever_cells)
        ),
        "n": int(m["n"]),
        "seed": m.get("seed"),
        "scenario": (m.get("scenario") or {}).get("name", "?"),
        "levels": levels,
    }


def _region_cells(curves: CellCurves, r: int) -> list[dict]:
    """A region's cells on the page: what it shows before any move, its runs of (amount, tier, route) along the
    grid and, where the lever's kind counts them exactly (``next_steps``: a staircase's to_next_tier, as
    ``kommiljard whatif`` counts it), per tier the change from the panel that reaches the next step (the page shows it
    less the view's change; without it the page walks its grid to the next tier)."""
    actions = {lb.block.number: lb.actions for lb in lever_blocks(curves.result.rules)}
    cells = []
    for c, (number, _, _) in enumerate(curves.cells):
        state = {name: float(values[r, c]) for name, values in curves.state.items()}
        shown = {name: _finite(value) for name, value in state.items()}  # JSON has no NaN
        cell = {**shown, "runs": _runs(curves.amount[r, c], curves.tier[r, c], curves.route[r, c])}
        next_steps = getattr(actions[number], "next_steps", None)
        if next_steps is not None:
            cell["need"] = [round(v, 6) for v in next_steps(state)]
        cells.append(cell)
    return cells


def _together_runs(curves: CellCurves, r: int) -> list[list] | None:
    """The region's lever cells' amount as every cell moves by the same grid value, as runs [first grid position,
    amount] wherever it changes; None where the cells' sum is exact (their lever has no ``together``)."""
    if curves.together is None:
        return None
    amount = curves.together[r]
    change = np.flatnonzero(np.diff(amount) != 0) + 1
    return [[int(i), float(amount[i])] for i in np.concatenate([[0], change])]


def page_data(curves: CellCurves, lang: str = "en", sweeps: list[LeverSweep] | None = None) -> dict:
    """Everything the page's script needs, as plain JSON-able data: values to look up, words, no rule logic."""
    check_lang(lang)
    t = page_words(curves, lang)
    result = curves.result
    numbers = {number for number, _, _ in curves.cells}
    others = [b for b in result.rules.ruleset.blocks if b.number not in numbers]
    decimals = grid_decimals(curves.step)
    cells, blocks = [], {b.number: b for b in result.rules.ruleset.blocks}
    for number, month, group in curves.cells:
        shown = page_cell(result.rules, number, month, group, lang)
        cells.append(
            {
                "key": cell_key(month, group),
                "label": f"{cell_when(blocks[number], month, lang)} · {shown['group']}",
                **{k: shown[k] for k in ("measure", "tiers", "routes", "colours")},
            }
        )
    amounts = result.table.groupby(["region", "block"])["amount_sek"].sum()
    names = region_names()
    regions = [
        {
            "code": code,
            "name": names.get(code, ""),
            "fixed": [{"label": b.name, "amount": float(amounts.get((code, b.number), 0.0))} for b in others],
            "cells": _region_cells(curves, r),
            "together": _together_runs(curves, r),
        }
        for r, code in enumerate(curves.regions)
    ]
    return {
        "lang": lang,
        "text": t,
        "lever": lever_blocks(result.rules)[0].actions.lever.option,
        "cells": cells,
        "regions": regions,
        "grid": {"first": int(curves.k[0]), "last": int(curves.k[-1]), "step": curves.step, "decimals": decimals},
        "share_decimals": max(decimals, 1),
        "sweep": _sweep_data(sweeps, curves, lang) if sweeps else None,
    }


def _provenance_rows(curves: CellCurves, t: dict, sweeps: list[LeverSweep] | None, lang: str) -> list[tuple]:
    result = curves.result
    p, rules, rs = result.provenance, result.rules, result.rules.ruleset
    decimals = grid_decimals(curves.step)
    lo, hi = (_pp(k * curves.step, decimals, lang) for k in (curves.k[0], curves.k[-1]))
    grid = t["grid_range"].format(lo=lo, hi=hi, unit=t["pp"], step=_pp(curves.step, decimals, lang).lstrip("+"))
    made = " · ".join([p["created_utc"], f"kommiljard {__version__}", f"Python {p['python']}",
                       f"numpy {p['numpy']}", f"numba {p['numba']}"])  # fmt: skip
    rows = [
        (t["prov_rules"], f"{rs.title} ({rules.id}, version {rs.version}). {rs.agreement}."),
        (t["prov_rule_file"], f"{provenance_value(rules.origin, lang)} · sha256 {rules.sha256}"),
        (t["prov_overrides"], changes_text(rules.overrides) or "-"),
        (t["prov_panel"], f"{p['panel']['source']} · sha256 {p['panel']['sha256']}"),
        (t["prov_synthetic"], t["yes"] if result.panel.synthetic else t["no"]),
        (t["prov_population"], provenance_value(p["population"]["source"], lang)
                               + (f" · sha256 {p['population']['sha256']}" if p["population"]["sha256"] else "")),
        *([(t["prov_conditions"], provenance_value(p["conditions"], lang))] if p.get("conditions") else []),
        *([(t["prov_no_data"], ", ".join(map(region_label, curves.no_data)))] if curves.no_data else []),
        (t["prov_grid"], grid),
        (t["prov_made"], made),
    ]  # fmt: skip
    for sweep in sweeps or ():
        m = sweep.manifest
        rows.append(
            (
                t["prov_sweep"],
                t["prov_sweep_row"].format(
                    directory=sweep.out_dir,
                    lever=f"{_pp(sweep.improve_pp, 1, lang)} {t['pp']}",
                    n=_kr(m["n"]),
                    seed=m.get("seed"),
                    scenario=(m.get("scenario") or {}).get("name", "?"),
                    version=m.get("kommiljard_version", "?"),
                ),
            )
        )
    return rows


def _sweep_html(sweep: dict, t: dict, lang: str) -> str:
    """The sweep section: a row per lever value, and the chances of the value the view matches (the script shows it)."""
    lever = t["sweep_lever"].format(
        region=sweep["region_label"], cells=sweep["cells_label"], n=f"{sweep['n']:,}".replace(",", "\u202f"),
        scenario=sweep["scenario"], seed=sweep["seed"], block=sweep["block"],
        levels=t["list_sep"].join(_pp(v["improve_pp"], 1, lang) for v in sweep["levels"]),
    )  # fmt: skip
    head = "".join(
        f'<th scope="col"{cls}>{_e(t[k])}</th>'
        for k, cls in (
            ("sweep_level", ""),
            ("sweep_mean", ' class="num"'),
            ("sweep_median", ' class="num"'),
            ("sweep_range", ' class="num"'),
            ("sweep_amount_mean", ' class="num"'),
        )
    )
    chance_head = "".join(
        f'<th scope="col"{cls}>{_e(t[k])}</th>'
        for k, cls in (("group", ""), ("bar", ""), ("sweep_without", ' class="num"'), ("sweep_with", ' class="num"'))
    )
    rows, details = [], []
    for i, v in enumerate(sweep["levels"]):
        s = v["stats"]
        pp = _pp(v["improve_pp"], 1, lang) + f" {t['pp']}" + ("" if v["k"] is not None else f" ({t['sweep_off_grid']})")
        rows.append(
            f'<tr data-level="{i}" data-improve-pp="{v["improve_pp"]:g}" data-mean-gain-sek="{s["mean_gain_sek"]:.2f}" '
            f'data-p5-gain-sek="{s["p5_gain_sek"]:.2f}" data-p95-gain-sek="{s["p95_gain_sek"]:.2f}">'
            f'<th scope="row">{_e(pp)}</th><td class="num">{_signed_kr(s["mean_gain_sek"])} kr</td>'
            f'<td class="num">{_signed_kr(s["p50_gain_sek"])} kr</td>'
            f'<td class="num">{_signed_kr(s["p5_gain_sek"])} … {_signed_kr(s["p95_gain_sek"])} kr</td>'
            f'<td class="num">{_kr(s["mean_sek"])} kr</td></tr>'
        )
        chances = "".join(
            f"<tr><td>{_e(c['group'])}</td><td>{_e(c['bar'])}</td>"
            f'<td class="num">{100 * c["without"]:.0f} %</td><td class="num">{100 * c["with"]:.0f} %</td></tr>'
            for c in v["chances"]
        )
        amount = t["sweep_amount"].format(
            block=sweep["block"], pp=pp, before=_kr(s["mean_baseline_sek"]), after=_kr(s["mean_sek"])
        )
        details.append(
            f'<div class="sweep-detail" data-level="{i}" hidden><p>{_e(amount)}</p>'
            f"<table><caption>{_e(t['sweep_chances'].format(pp=pp))}</caption><thead><tr>{chance_head}</tr></thead>"
            f"<tbody>{chances}</tbody></table></div>"
        )
    return (
        f'<section id="sweep" data-region="{_e(sweep["region"])}" data-current-level="">'
        f'<h2>{_e(t["sweep"])}</h2><p class="synthetic-note">{_e(lever)}</p>'
        f"<table><caption>{_e(t['sweep_levels'])}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        f'<p id="sweep-match" class="note"></p>{"".join(details)}</section>'
    )


def cell_key(month: str, group: str | None) -> str:
    """A cell as the page's link names it: ``2019-10.operation``, or the month alone for a cell of every group (a price
    block with one pot)."""
    return month if group is None else f"{month}.{group}"


def link_examples(data: dict) -> dict:
    """Two views as the page's link writes them, with this page's own lever, region and cell: the lever at about a
    sixth of its range in every cell (``#region=01&improve=3``) and in the first cell alone."""
    grid, lever, region = data["grid"], data["lever"], data["regions"][0]["code"]
    k = max(1, round(grid["last"] * 0.15))
    value = f"{round(k * grid['step'], grid['decimals']):g}"
    return {
        "example_all": f"#region={region}&{lever}={value}",
        "example_cell": f"#region={region}&{lever}.{data['cells'][0]['key']}={value}",
    }


def build_page(curves: CellCurves, lang: str = "en", sweeps: list[LeverSweep] | None = None) -> str:
    """The page as one HTML document (a string); ``sweeps`` one lever grid (:func:`read_lever_sweeps`), or None."""
    data = page_data(curves, lang, sweeps)
    t, result, grid = data["text"], curves.result, data["grid"]
    p, rules = result.provenance, result.rules
    title = t["title"].format(ruleset=rules.ruleset.title)
    subtitle = t["subtitle"].format(rules=f"{rules.id} {rules.ruleset.version}", panel=p["panel"]["source"],
                                    created=p["created_utc"], version=__version__)  # fmt: skip
    banner = ""
    if result.panel.synthetic:
        banner = f'<p class="synthetic">{_e(t["synthetic"])}</p>'
    measure, *capped = lever_blocks(rules)[0].actions.measures
    lo, hi = (_pp(k * curves.step, grid["decimals"], lang) for k in (grid["first"], grid["last"]))
    step = _pp(curves.step, grid["decimals"], lang).lstrip("+")
    about = [t["about_text"].format(measure=measure_name(measure, lang), lo=lo, hi=hi, step=step)]
    if capped:
        about.append(t["about_cap"].format(measure=measure_name(measure, lang), cap=measure_name(capped[0], lang)))
    about.append(t["about_outside"].format(**link_examples(data)))
    rows = _provenance_rows(curves, t, sweeps, lang)
    css, js = _template("page.css"), _template("page.js")
    policy = (f"default-src 'none'; script-src {_csp_hash(js)}; style-src {_csp_hash(css)}; "
              "base-uri 'none'; form-action 'none'")  # fmt: skip
    footer = t["footer"].format(version=__version__) + (" " + t["synthetic"] if result.panel.synthetic else "")
    words = ("region_search", "region", "all", "all_number", "reset", "total", "before", "after", "difference",
             "cells", "cells_note", "noscript", "link", "copy", "link_note", "next_note", "provenance", "what",
             "value", "exact_label", "exact_note")  # fmt: skip
    fields = {
        **{k: _e(t[k]) for k in words},
        "lang": lang,
        "csp": policy,
        "title": _e(title),
        "subtitle": _e(subtitle),
        "banner": banner,
        "css": css,
        "js": js,
        "data": _json_for_script(data),
        "step": f"{curves.step:g}",
        "min": f"{grid['first'] * curves.step:.{grid['decimals']}f}",
        "max": f"{grid['last'] * curves.step:.{grid['decimals']}f}",
        "sweep": _sweep_html(data["sweep"], t, lang) if data["sweep"] else "",
        "about_title": _e(t["about"]),
        "about": _e(" ".join(about)),
        "provenance_rows": "".join(f'<tr><th scope="row">{_e(k)}</th><td>{_e(v)}</td></tr>' for k, v in rows),
        "footer": _e(footer),
    }
    return string.Template(_template("page.html")).substitute(fields)


def write_page(
    result: Payout,
    path: str | Path,
    lang: str = "en",
    sweep: Iterable[str | Path] | str | Path | None = None,
    lo: float | None = None,
    hi: float | None = None,
    step: float | None = None,
) -> Path:
    """Write the what-if page of a payout (its rules, panel, population and other blocks) atomically to ``path``.

    ``sweep``: a sweep directory with a lever, a folder of them (a lever grid), or several of either.
    """
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise InputError(say("refuse.page_suffix", path=path))
    check_lang(lang)
    sweeps = None
    if sweep is not None:  # before the longer part: sweeps without a lever or with other rules are refused at once
        sweeps = read_lever_sweeps([sweep] if isinstance(sweep, str | Path) else sweep)
        check_sweeps(sweeps, result.rules)
    write_text(path, build_page(cell_curves(result, lo, hi, step), lang, sweeps))
    return path
