// The what-if page's script. It holds no rule: every amount, tier and route was computed by the
// engine for each grid point and is only looked up here (runs of equal values) and added.
// Text from the data is shown with textContent, never parsed as HTML.
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("page-data").textContent);
  var T = D.text, G = D.grid, STEP = G.step, DEC = G.decimals, LEVER = D.lever;  // the link's key: the lever's option
  var N = G.last - G.first + 1;
  var PER_PP = Math.round(1 / STEP);  // grid steps in one percentage point
  var SVG = "http://www.w3.org/2000/svg";  // a namespace name, not a request
  var state = { region: 0, k: D.cells.map(function () { return 0; }), notices: [] };
  var ui = { cells: [] };

  function $(id) { return document.getElementById(id); }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function svgEl(tag, attrs) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    return node;
  }
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (match, name) { return name in values ? String(values[name]) : match; });
  }
  function decimal(text) { return D.lang === "sv" ? text.replace(".", ",") : text; }
  function grouped(text) {  // a number's thousands apart (62 798), its decimals as the language writes them
    var parts = text.split(".");
    return decimal(parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, "\u202f") + (parts.length > 1 ? "." + parts[1] : ""));
  }
  function kr(x) {
    var r = Math.round(x);
    var s = Math.abs(r).toString().replace(/\B(?=(\d{3})+(?!\d))/g, "\u202f");
    return (r < 0 ? "\u2212" : "") + s;
  }
  function signedKr(x) { var r = Math.round(x); return (r > 0 ? "+" : r < 0 ? "\u2212" : "\u00b1") + kr(Math.abs(r)); }
  function signed(value, decimals) {  // +2.5, −0.3, 0.0 and +2 000: thousands apart, as the page's Python writes them
    var s = Math.abs(value).toFixed(decimals);
    if (Number(s) === 0) { return grouped(s); }
    return (value > 0 ? "+" : "\u2212") + grouped(s);
  }
  function pp(k) { return signed(k * STEP, DEC); }
  function machine(k) { return (k * STEP).toFixed(DEC); }        // a slider's value
  function typed(k) { return decimal(machine(k)); }               // a number box's value: 2,5 on a Swedish page
  function parse(text) {                                          // a typed number: a decimal comma or point
    var t = String(text).trim().replace(/\u2212/g, "-").replace(",", ".");
    return t === "" ? NaN : Number(t);
  }
  function short(k) { return String(Number(machine(k))); }        // a value in the link: 3, 2.5, -0.3
  function share(v) { return decimal(v.toFixed(D.share_decimals)); }
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[^0-9a-z]+/g, " ").trim();
  }

  // ---- looking values up -------------------------------------------------------------------
  function runIndex(runs, k) {  // the last run starting at or before grid point k
    var i = k - G.first, lo = 0, hi = runs.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (runs[mid][0] <= i) { lo = mid; } else { hi = mid - 1; }
    }
    return lo;
  }
  function point(r, c, k) {
    var runs = D.regions[r].cells[c].runs, j = runs[runIndex(runs, k)];
    return { amount: j[1], tier: j[2], route: j[3] };
  }
  function nextBar(r, c, k) {  // kommiljard whatif's to_next_tier_pp: the exact improvement still needed for the next bar
    var cell = D.regions[r].cells[c], need = cell.need, tier = point(r, c, k).tier;
    if (!need) {  // a kind without exact steps: the smallest further step on the grid that reaches a higher tier
      var runs = cell.runs, j = runIndex(runs, k);
      for (var m = j + 1; m < runs.length; m++) {
        if (runs[m][2] > tier) { return { pp: Number(((runs[m][0] + G.first - k) * STEP).toFixed(6)), tier: runs[m][2] }; }
      }
      return { pp: null, tier: tier };
    }
    if (tier >= need.length) { return { pp: null, tier: tier }; }
    return { pp: Number((need[tier] - k * STEP).toFixed(6)), tier: tier + 1 };
  }
  function exact(v) {  // as many decimals as the figure has, at least one: 1.0, 1.100001
    var text = v.toFixed(6).replace(/0+$/, "");
    return text.slice(-1) === "." ? text + "0" : text;
  }
  function valueAfter(data, k) {  // a count after the change: the change adds to each of its parts (procedures), down to 0
    var parts = Object.keys(data).filter(function (name) { return /^part_\d+$/.test(name) && data[name] !== null; });
    if (!parts.length) { return Math.max(0, data.value + k * STEP); }
    return parts.reduce(function (sum, name) { return sum + Math.max(0, data[name] + k * STEP); }, 0);
  }
  function totals(r) {
    var t = { before: 0, after: 0, cellsBefore: 0, cellsAfter: 0, fixed: 0 };
    D.cells.forEach(function (cell, c) {
      t.cellsBefore += point(r, c, 0).amount;
      t.cellsAfter += point(r, c, state.k[c]).amount;
    });
    var together = D.regions[r].together, k0 = state.k[0];
    if (together && state.k.every(function (k) { return k === k0; })) {  // cells tied by a bonus pot, all moved alike
      t.cellsBefore = together[runIndex(together, 0)][1];
      t.cellsAfter = together[runIndex(together, k0)][1];
      t.together = true;
    }
    D.regions[r].fixed.forEach(function (f) { t.fixed += f.amount; });
    t.before = t.cellsBefore + t.fixed;
    t.after = t.cellsAfter + t.fixed;
    return t;
  }

  // ---- the link (#region=06&improve=3 or #region=06&improve.2019-10.operation=2.5) -----------
  function findRegion(text) {
    var q = fold(text);
    if (/^\d{1,2}$/.test(q)) { q = ("0" + q).slice(-2); }
    var exact = -1, start = -1;
    D.regions.forEach(function (reg, i) {
      var name = fold(reg.name);
      if (exact < 0 && (reg.code === q || name === q || fold(reg.code + " " + reg.name) === q)) { exact = i; }
      if (start < 0 && q && name.indexOf(q) === 0) { start = i; }
    });
    return exact >= 0 ? exact : start;
  }
  function snap(text) {  // a value from the link or a number box -> whole grid steps, or null
    var v = parse(text);
    if (!isFinite(v)) { state.notices.push(fill(T.notice_nan, { value: text })); return null; }
    var k = Math.round(v / STEP);
    if (k < G.first || k > G.last) {
      k = Math.min(G.last, Math.max(G.first, k));
      state.notices.push(fill(T.notice_range, { value: decimal(String(v)), lo: pp(G.first), hi: pp(G.last), set: pp(k) }));
    } else if (Math.abs(k * STEP - v) > 1e-9) {
      state.notices.push(fill(T.notice_grid, { value: decimal(String(v)), step: decimal(String(STEP)), set: pp(k) }));
    }
    return k;
  }
  function readHash() {
    var params = new URLSearchParams(location.hash.replace(/^#/, ""));
    var k = D.cells.map(function () { return 0; });
    state.notices = [];
    if (params.has("region")) {
      var r = findRegion(params.get("region"));
      if (r < 0) {
        state.notices.push(fill(T.notice_region, { value: params.get("region"), set: label(state.region) }));
      } else { state.region = r; }
    }
    if (params.has(LEVER)) {
      var all = snap(params.get(LEVER));
      if (all !== null) { k = k.map(function () { return all; }); }
    }
    params.forEach(function (value, key) {
      if (key !== "region" && key !== LEVER && key.indexOf(LEVER + ".") !== 0) {  // e.g. improve= on a --more page
        state.notices.push(fill(T.notice_key, { value: key + "=" + value, lever: LEVER }));
        return;
      }
      if (key.indexOf(LEVER + ".") !== 0) { return; }
      var name = key.slice(LEVER.length + 1);
      var c = D.cells.findIndex(function (cell) { return cell.key === name; });
      if (c < 0) { state.notices.push(fill(T.notice_cell, { value: name })); return; }
      var one = snap(value);
      if (one !== null) { k[c] = one; }
    });
    state.k = k;
  }
  function fragment() {
    var parts = ["region=" + encodeURIComponent(D.regions[state.region].code)];
    var same = state.k.every(function (k) { return k === state.k[0]; });
    if (same && state.k[0] !== 0) { parts.push(LEVER + "=" + short(state.k[0])); }
    if (!same) {
      state.k.forEach(function (k, c) { if (k !== 0) { parts.push(LEVER + "." + D.cells[c].key + "=" + short(k)); } });
    }
    return "#" + parts.join("&");
  }
  function writeHash() {
    var hash = fragment();
    if (location.hash !== hash) {
      try { history.replaceState(null, "", hash); } catch (e) { location.hash = hash; }
    }
    $("link-text").value = location.href;
    $("result").dataset.view = hash;  // the view the numbers are for (lets a test wait for a new fragment)
  }
  function copyLink() {
    var input = $("link-text");
    function done(ok) { $("notice").textContent = ok ? T.copied : T.copy_failed; }
    function fallback() {
      input.focus();
      input.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      done(ok);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(function () { done(true); }, fallback);
    } else { fallback(); }
  }

  // ---- building the page once ------------------------------------------------------------------
  function label(r) { return D.regions[r].code + " " + D.regions[r].name; }
  function buildRegions() {
    var select = $("region");
    D.regions.forEach(function (reg, i) { select.appendChild(el("option", { value: String(i) }, label(i))); });
  }
  function buildCells() {
    var grid = $("cell-grid");
    D.cells.forEach(function (cell, c) {
      var card = el("section", { "class": "cell", "data-cell": cell.key, "aria-labelledby": "cell-" + c + "-title" });
      card.appendChild(el("h3", { id: "cell-" + c + "-title" }, cell.label));
      var name = card.appendChild(el("label", { "for": "cell-" + c + "-range" }, T.improvement_pp));
      name.appendChild(el("span", { "class": "vh" }, " (" + cell.label + ")"));
      var pair = el("div", { "class": "pair" });
      var range = el("input", { id: "cell-" + c + "-range", type: "range", min: machine(G.first), max: machine(G.last),
                                step: String(STEP), value: "0" });
      var number = el("input", { id: "cell-" + c + "-number", "class": "pp", type: "text", inputmode: "decimal",
                                 autocomplete: "off", value: "0", "aria-label": fill(T.cell_number, { cell: cell.label }) });
      pair.appendChild(range);
      pair.appendChild(number);
      card.appendChild(pair);
      var table = el("table");
      var head = el("tr");
      [" ", T.before, T.after].forEach(function (h) { head.appendChild(el("th", { scope: "col" }, h)); });
      table.appendChild(el("thead")).appendChild(head);
      var body = table.appendChild(el("tbody"));
      var rows = {};
      var shown = "share" in D.regions[0].cells[c]  // a share and last year's; else the lever's own value
        ? [["share", fill(T.share, { measure: cell.measure }) + ", %"], ["improvement", T.improvement + ", " + T.pp]]
        : [["value", cell.measure]];  // a count, named by its measure (operations performed)
      shown.concat([["tier", T.tier], ["route", T.route], ["amount", T.kronor]]).forEach(function (row) {
        var tr = el("tr");
        tr.appendChild(el("th", { scope: "row" }, row[1]));
        rows[row[0]] = [tr.appendChild(el("td")), tr.appendChild(el("td"))];
        body.appendChild(tr);
      });
      card.appendChild(table);
      var lastYear = card.appendChild(el("p", { "class": "line note" }));
      var diff = card.appendChild(el("p", { "class": "line" }));
      var next = card.appendChild(el("p", { "class": "line" }));
      var extra = card.appendChild(el("p", { "class": "line" }));
      var svg = svgEl("svg", { "class": "curve", viewBox: "0 0 320 118", role: "img" });
      card.appendChild(svg);
      grid.appendChild(card);
      range.addEventListener("input", function () { setCell(c, Math.round(Number(range.value) / STEP)); });
      number.addEventListener("change", function () {
        state.notices = [];
        var k = snap(number.value);
        if (k === null) { render(); } else { setCell(c, k); }
      });
      ui.cells.push({ card: card, range: range, number: number, rows: rows, lastYear: lastYear, diff: diff, next: next, extra: extra,
                    svg: svg });
    });
  }

  // ---- drawing ---------------------------------------------------------------------------------
  function tierText(cell, tier) {  // a break opportunity after each "+" of blue+red+orange
    return tier === 0 ? T.tier_none : tier + " (" + cell.tiers[tier].split("+").join("+\u200b") + ")";
  }
  function setTier(td, cell, tier) {
    td.textContent = "";
    if (tier > 0) { td.appendChild(el("span", { "class": "swatch", "aria-hidden": "true" })).style.backgroundColor = cell.colours[tier]; }
    td.appendChild(document.createTextNode(tierText(cell, tier)));
  }
  function drawCurve(svg, r, c, k) {
    var runs = D.regions[r].cells[c].runs, cell = D.cells[c];
    var W = 320, left = 58, right = 8, top = 10, bottom = 96;  // left: room for "−12,3 mnkr"
    var max = 0, min = Infinity;
    runs.forEach(function (run) { max = Math.max(max, run[1]); min = Math.min(min, run[1]); });
    var low = Math.min(0, min), scale = max > low ? max - low : 1;  // a cell that can lose (a bonus pot) goes below 0
    function x(i) { return left + (W - left - right) * i / Math.max(1, N - 1); }
    function y(a) { return bottom - (bottom - top) * (a - low) / scale; }
    svg.textContent = "";
    var now = point(r, c, k);
    svg.setAttribute("aria-label", fill(T.curve, { region: label(r), cell: cell.label, lo: pp(G.first), hi: pp(G.last),
                                                   min: kr(min), max: kr(max), x: pp(k), y: kr(now.amount) }));
    svg.appendChild(svgEl("line", { x1: left, x2: W - right, y1: bottom, y2: bottom, stroke: "#767676", "stroke-width": 1 }));
    svg.appendChild(svgEl("line", { x1: left, x2: left, y1: top, y2: bottom, stroke: "#767676", "stroke-width": 1 }));
    var zero = x(-G.first);
    svg.appendChild(svgEl("line", { x1: zero, x2: zero, y1: top, y2: bottom, stroke: "#9a9a9a", "stroke-dasharray": "2 3" }));
    var d = "";
    runs.forEach(function (run, m) {
      var end = m + 1 < runs.length ? runs[m + 1][0] : N - 1;
      d += (m === 0 ? "M" + x(0) + " " + y(run[1]) : "V" + y(run[1])) + "H" + x(end);
      if (run[2] > 0) {
        svg.appendChild(svgEl("line", { x1: x(run[0]), x2: x(end), y1: y(run[1]), y2: y(run[1]),
                                        stroke: cell.colours[run[2]], "stroke-width": 5, "stroke-linecap": "butt" }));
      }
    });
    svg.insertBefore(svgEl("path", { d: d, fill: "none", stroke: "#333", "stroke-width": 1.2 }), svg.firstChild);
    var at = x(k - G.first);
    svg.appendChild(svgEl("line", { x1: at, x2: at, y1: top, y2: bottom, stroke: "#1f4f99", "stroke-width": 1, "stroke-dasharray": "3 2" }));
    svg.appendChild(svgEl("circle", { cx: at, cy: y(now.amount), r: 4.5, fill: "#1f4f99", stroke: "#fff", "stroke-width": 1.5 }));
    [[G.first, "start"], [0, "middle"], [G.last, "end"]].forEach(function (tick) {
      var t = svgEl("text", { x: x(tick[0] - G.first), y: bottom + 13, "text-anchor": tick[1] });
      t.textContent = pp(tick[0]) + (tick[0] === G.last ? " " + T.pp : "");
      svg.appendChild(t);
    });
    var ytop = svgEl("text", { x: left - 4, y: top + 4, "text-anchor": "end" });
    ytop.textContent = grouped((max / 1e6).toFixed(1));
    svg.appendChild(ytop);
    var y0 = svgEl("text", { x: left - 4, y: bottom + 3, "text-anchor": "end" });
    y0.textContent = (low < 0 ? signed(low / 1e6, 1) : "0") + " " + T.mnkr;
    svg.appendChild(y0);
    if (low < 0) {  // the zero line, named where it leaves room for the labels above and below
      svg.insertBefore(svgEl("line", { x1: left, x2: W - right, y1: y(0), y2: y(0), stroke: "#9a9a9a", "stroke-width": 1 }), svg.firstChild);
      if (y(0) - top > 12 && bottom - y(0) > 12) {
        var zeroLabel = svgEl("text", { x: left - 4, y: y(0) + 3, "text-anchor": "end" });
        zeroLabel.textContent = "0";
        svg.appendChild(zeroLabel);
      }
    }
  }

  function render() {
    var r = state.region, reg = D.regions[r];
    $("region").value = String(r);
    D.cells.forEach(function (cell, c) {
      var k = state.k[c], u = ui.cells[c], data = reg.cells[c];
      var before = point(r, c, 0), after = point(r, c, k);
      u.range.value = machine(k);
      if (document.activeElement !== u.number || parse(u.number.value) !== Number(machine(k))) { u.number.value = typed(k); }
      u.card.classList.toggle("changed", k !== 0);
      if (u.rows.share) {
        var better = data.better === undefined || data.better === null ? 1 : data.better;  // -1: lower is better
        var raw = data.share + better * k * STEP, shareAfter = Math.min(100, Math.max(0, raw));
        var clamped = raw > 100 + 1e-9 || raw < -1e-9;
        u.rows.share[0].textContent = share(data.share);
        u.rows.share[1].textContent = share(shareAfter) + (clamped ? " (" + fill(T.clamped, { limit: raw > 100 ? 100 : 0 }) + ")" : "");
        u.rows.improvement[0].textContent = signed(better * (data.share - data.previous), D.share_decimals);
        u.rows.improvement[1].textContent = signed(better * (shareAfter - data.previous), D.share_decimals);
        u.lastYear.textContent = fill(T.last_year, { value: share(data.previous) });
      } else {
        u.rows.value[0].textContent = grouped(data.value.toFixed(DEC));
        u.rows.value[1].textContent = grouped(valueAfter(data, k).toFixed(DEC));
      }
      setTier(u.rows.tier[0], cell, before.tier);
      setTier(u.rows.tier[1], cell, after.tier);
      u.rows.route[0].textContent = cell.routes[before.route];
      u.rows.route[1].textContent = cell.routes[after.route];
      u.rows.amount[0].textContent = kr(before.amount);
      u.rows.amount[1].textContent = kr(after.amount);
      u.diff.textContent = "";
      u.diff.appendChild(document.createTextNode(T.difference + ": "));
      u.diff.appendChild(el("strong", {}, signedKr(after.amount - before.amount) + " kr"));
      var next = nextBar(r, c, k);
      var top = next.tier >= cell.tiers.length - 1;
      var nextText = next.pp !== null ? fill(T.next_in, { pp: decimal(exact(next.pp)), tier: next.tier, bars: cell.tiers[next.tier] })
        : top ? T.next_top : fill(T.next_beyond, { hi: pp(G.last) });
      u.next.textContent = T.next + ": " + nextText;
      var more = k + PER_PP <= G.last ? point(r, c, k + PER_PP).amount - after.amount : null;
      u.extra.textContent = T.extra_pp + ": " + (more === null ? T.extra_beyond : signedKr(more) + " kr");
      u.card.dataset.sekPerExtraPp = more === null ? "" : more.toFixed(2);
      u.card.dataset.toNextPp = next.pp !== null ? exact(next.pp) : top ? "top" : "beyond";
      u.card.dataset.improvePp = machine(k);
      u.card.dataset.amountBeforeSek = before.amount.toFixed(2);
      u.card.dataset.amountAfterSek = after.amount.toFixed(2);
      u.card.dataset.deltaSek = (after.amount - before.amount).toFixed(2);
      u.card.dataset.tierBefore = String(before.tier);
      u.card.dataset.tierAfter = String(after.tier);
      u.card.dataset.routeAfter = String(after.route);
      drawCurve(u.svg, r, c, k);
    });
    var t = totals(r), result = $("result");
    $("total-region").textContent = "\u2013 " + label(r);
    $("total-before").textContent = kr(t.before);
    $("total-after").textContent = kr(t.after);
    $("total-delta").textContent = signedKr(t.after - t.before);
    var delta = result.querySelector(".delta");
    delta.classList.toggle("up", Math.round(t.after - t.before) > 0);
    delta.classList.toggle("down", Math.round(t.after - t.before) < 0);
    var parts = $("total-parts");
    parts.textContent = "";
    parts.appendChild(el("li", {}, fill(T.staircase, { amount: kr(t.cellsBefore), after: kr(t.cellsAfter) })));
    reg.fixed.forEach(function (f) { parts.appendChild(el("li", {}, fill(T.fixed, { name: f.label, amount: kr(f.amount) }))); });
    result.dataset.region = reg.code;
    result.dataset.baselineSek = t.before.toFixed(2);
    result.dataset.scenarioSek = t.after.toFixed(2);
    result.dataset.deltaSek = (t.after - t.before).toFixed(2);
    var combined = T.combined_note !== "" && !t.together && state.k.filter(function (k) { return k !== 0; }).length > 1;
    $("exact-note").textContent = combined ? T.combined_note : T.exact_note;  // exact only where the cells add up
    result.dataset.answer = combined ? "combined" : "exact";
    var same = state.k.every(function (k) { return k === state.k[0]; });
    $("all-range").value = machine(same ? state.k[0] : 0);
    $("all-number").value = same ? typed(state.k[0]) : "";
    $("all-number").placeholder = same ? "" : T.differ;
    $("notice").textContent = state.notices.join(" ");
    if (D.sweep) { renderSweep(reg, r); }
  }

  // ---- the sweep: which of its levers the view is (the section's figures are in the HTML) ------
  function sweepLevel(reg) {
    var S = D.sweep;
    if (reg.code !== S.region) { return -1; }
    for (var i = 0; i < S.levels.length; i++) {
      var lk = S.levels[i].k;
      if (lk === null) { continue; }
      var same = D.cells.every(function (cell, c) { return state.k[c] === (S.cells.indexOf(cell.key) >= 0 ? lk : 0); });
      if (same) { return i; }
    }
    return -1;
  }
  function renderSweep(reg, r) {
    var S = D.sweep, level = sweepLevel(reg), section = $("sweep");
    section.dataset.currentLevel = level < 0 ? "" : String(level);
    Array.prototype.forEach.call(section.querySelectorAll("tr[data-level]"), function (row) {
      var on = Number(row.dataset.level) === level;
      row.classList.toggle("current", on);
      if (on) { row.setAttribute("aria-current", "true"); } else { row.removeAttribute("aria-current"); }
    });
    Array.prototype.forEach.call(section.querySelectorAll(".sweep-detail"), function (div) {
      div.hidden = Number(div.dataset.level) !== level;
    });
    var levels = S.levels.filter(function (v) { return v.k !== null; }).map(function (v) { return pp(v.k); });
    if (level < 0) {
      $("sweep-match").textContent = fill(T.sweep_match_none, { region: S.region_label, levels: levels.join(T.list_sep), cells: S.cells_label });
      return;
    }
    var row = section.querySelector('tr[data-level="' + level + '"]'), t = totals(r);
    $("sweep-match").textContent = fill(T.sweep_both, {
      pp: pp(S.levels[level].k) + " " + T.pp,
      exact: signedKr(t.after - t.before) + " kr",
      mean: signedKr(Number(row.dataset.meanGainSek)) + " kr",
      low: signedKr(Number(row.dataset.p5GainSek)) + " kr",
      high: signedKr(Number(row.dataset.p95GainSek)) + " kr",
    }) + " " + fill(T.sweep_match, { pp: pp(S.levels[level].k) + " " + T.pp });
  }

  function update() { render(); writeHash(); }
  function setCell(c, k) { state.k[c] = k; state.notices = []; update(); }
  function setAll(k) { state.k = state.k.map(function () { return k; }); update(); }

  buildRegions();
  buildCells();
  $("region").addEventListener("change", function () { state.region = Number($("region").value); state.notices = []; update(); });
  $("region-search").addEventListener("input", function () {
    var q = fold($("region-search").value), first = -1;
    Array.prototype.forEach.call($("region").options, function (opt, i) {
      var match = !q || fold(label(i)).indexOf(q) >= 0 || (/^\d+$/.test(q) && D.regions[i].code === ("0" + q).slice(-2));
      opt.hidden = !match;
      if (match && first < 0) { first = i; }
    });
    state.notices = first < 0 ? [T.no_match] : [];
    if (first >= 0 && $("region").options[state.region].hidden) { state.region = first; }
    update();
  });
  $("all-range").addEventListener("input", function () { state.notices = []; setAll(Math.round(Number($("all-range").value) / STEP)); });
  $("all-number").addEventListener("change", function () {
    state.notices = [];
    var k = snap($("all-number").value);
    if (k === null) { render(); } else { setAll(k); }
  });
  $("reset").addEventListener("click", function () { state.notices = []; setAll(0); });
  $("copy").addEventListener("click", copyLink);
  window.addEventListener("hashchange", function () { readHash(); update(); });
  readHash();
  update();
}());
