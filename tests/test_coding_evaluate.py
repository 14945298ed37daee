"""``triage evaluate coding``: both protocols on a small gold set, errors, and the shared data (slow)."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from triage.cli.main import app
from triage.coding.codebook_io import read_codebook
from triage.coding.evaluate import GoldSegments, evaluate_coding, position_floor, read_gold_segments
from triage.embeddings import load_encoder

runner = CliRunner()
DEMO = Path(__file__).resolve().parents[1] / "corpora" / "demo" / "coding"

GOLD = [
    ("s1", "I was scared they would take my son into care if I told anyone.", "fear-of-removal"),
    ("s2", "Mothers hid their symptoms from the health visitor.", "hiding-difficulties"),
    ("s3", "We had a new social worker every few months.", "worker-turnover"),
    ("s4", "The waiting list for the psychologist was a year.", "thresholds-and-waiting"),
    ("s5", "The nurse and the social worker visited together and made one plan.", "joint-working"),
    ("s6", "My kids are why I keep taking my medication.", "children-as-motivation;parenting-and-recovery-x"),
    ("s7", "The parents' group was the one place I could talk.", "practical-and-peer-support"),
    ("s8", "Her son did the shopping and looked after his sisters.", "impact-on-children"),
]


def gold_csv(tmp_path: Path, rows: list[tuple[str, str, str]]) -> Path:
    path = tmp_path / "gold.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["segment_id", "text", "code"])
        writer.writerows(rows)
    return path


@pytest.mark.slow  # loads the sentence encoder and runs 2 seeds: 22-41 s
@pytest.mark.parametrize("protocol", ["zero-shot", "online", "online-reject"])
def test_both_protocols_write_the_json_keys(tmp_path: Path, protocol: str) -> None:
    rows = [(i, t, c.split(";")[0]) for i, t, c in GOLD]
    out = tmp_path / "r.json"
    result = runner.invoke(app, ["evaluate", "coding", "--codebook", str(DEMO / "codebook.json"), "--segments",
                                 str(gold_csv(tmp_path, rows)), "--protocol", protocol, "--seeds", "2",
                                 "--json", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert list(report) == ["protocol", "n", "top1", "top3", "seeds", "seconds", "suggester"]
    assert (report["protocol"], report["n"], report["seeds"]) == (protocol, 8, 2)
    assert 0.5 <= report["top1"] <= report["top3"] <= 1.0  # the demo codebook describes these well
    assert "suggestion latency per segment" in result.output


def test_errors(tmp_path: Path) -> None:
    args = ["evaluate", "coding", "--codebook", str(DEMO / "codebook.json"), "--segments"]
    result = runner.invoke(app, [*args, str(gold_csv(tmp_path, GOLD)), "--protocol", "few-shot"])
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: unknown protocol 'few-shot'; use one of: zero-shot, online, online-reject"
    result = runner.invoke(app, [*args, str(gold_csv(tmp_path, GOLD))])
    assert result.stderr.strip() == (
        "error: 1 gold code(s) not among the codebook's codable codes, e.g. 'parenting-and-recovery-x'; "
        "use the codebook the segments were coded with")
    bad = tmp_path / "bad.csv"
    bad.write_text("id,text\n1,hello\n")
    result = runner.invoke(app, [*args, str(bad)])
    assert result.stderr.strip() == "error: bad.csv:1: missing column(s) code, segment_id; " \
                                    "the CSV needs segment_id, text and code"


def test_round_8_options_run_from_the_command_line(tmp_path: Path) -> None:
    """--max-per-theme, --adapt-steps and --refit run other variants than a project's (rounds 7, 8 and 10); the
    JSON keeps its keys and its suggester says which variant ran; the naive baseline takes none."""
    rows = [(i, t, c.split(";")[0]) for i, t, c in GOLD]
    out = tmp_path / "r.json"
    args = ["evaluate", "coding", "--codebook", str(DEMO / "codebook.json"), "--segments", str(gold_csv(tmp_path, rows))]
    result = runner.invoke(app, [*args, "--protocol", "online", "--max-per-theme", "2", "--adapt-steps", "5",
                                 "--json", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert list(report) == ["protocol", "n", "top1", "top3", "seeds", "seconds", "suggester"]
    assert report["suggester"] == "triage (max_per_theme=2, adapt_steps=5)"
    result = runner.invoke(app, [*args, "--protocol", "online", "--refit", "sometimes"])
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: unknown refit rule 'sometimes'; use one of: due, every"
    result = runner.invoke(app, [*args, "--suggester", "naive", "--adapt-steps", "5"])
    assert result.exit_code == 1
    assert result.stderr.strip() == ("error: --adapt-steps applies to the triage suggester only; leave --suggester "
                                     "out or give --suggester triage")


def test_a_folder_gives_the_codebook_and_the_segments(shared_data: Path, tmp_path: Path) -> None:
    """``triage evaluate coding FOLDER`` reads the folder's codebook.json and segments.csv, as the
    shared sets hold them; the options still work and win; a folder without them says so."""
    data = shared_data / "coding" / "qes-siblings-mental-illness"
    by_folder, by_options = tmp_path / "folder.json", tmp_path / "options.json"
    result = runner.invoke(app, ["evaluate", "coding", str(data), "--json", str(by_folder)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["evaluate", "coding", "--codebook", str(data / "codebook.json"),
                                 "--segments", str(data / "segments.csv"), "--json", str(by_options)])
    assert result.exit_code == 0, result.output
    folder, options = json.loads(by_folder.read_text()), json.loads(by_options.read_text())
    assert folder["n"] == 26
    assert (folder["top1"], folder["top3"]) == (options["top1"], options["top3"])
    result = runner.invoke(app, ["evaluate", "coding", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"error: a codebook and gold segments needed ({tmp_path} has no codebook.json / segments.csv); give a folder "
        "holding codebook.json and segments.csv, or --codebook FILE and --segments FILE")


@pytest.mark.slow
@pytest.mark.parametrize("protocol", ["zero-shot", "online"])
def test_shared_nhs_feedback(shared_data: Path, tmp_path: Path, protocol: str) -> None:
    data = shared_data / "coding" / "nhs-patient-feedback"
    out = tmp_path / "r.json"
    result = runner.invoke(app, ["evaluate", "coding", "--codebook", str(data / "codebook.json"), "--segments",
                                 str(data / "segments.csv"), "--protocol", protocol, "--json", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert report["n"] == 6211
    assert report["top3"] > (0.4 if protocol == "zero-shot" else 0.75)


@pytest.mark.parametrize("protocol", ["online", "online-reject"])
def test_shuffled_rows_leave_a_seeded_run_equal(shared_data: Path, tmp_path: Path, protocol: str) -> None:
    """No suggester may see a segment's place in the file: the rows of a real synthesis in
    another order, under other ids, give the same metrics."""
    data = shared_data / "coding" / "qes-siblings-mental-illness"
    with (data / "segments.csv").open(encoding="utf-8", newline="") as fh:
        rows = [(r["segment_id"], r["text"], r["code"]) for r in csv.DictReader(fh)]
    shuffled = list(rows)
    random.Random(7).shuffle(shuffled)
    assert shuffled != rows
    shuffled = [(f"x{n}", text, code) for n, (_, text, code) in enumerate(shuffled)]
    encoder = load_encoder()
    book = read_codebook(data / "codebook.json")
    reports = []
    for name, these in (("a", rows), ("b", shuffled)):
        folder = tmp_path / name
        folder.mkdir()
        gold = read_gold_segments(gold_csv(folder, these))
        reports.append(evaluate_coding(book, gold, encoder, protocol=protocol, seeds=1))
    keys = ("n", "top1", "top3", "seeds")
    assert [reports[0][k] for k in keys] == [reports[1][k] for k in keys]
    assert reports[0]["top3"] > 0


def test_naive_baseline_in_the_same_harness(tmp_path: Path) -> None:
    rows = [(i, t, c.split(";")[0]) for i, t, c in GOLD]
    out = tmp_path / "r.json"
    result = runner.invoke(app, ["evaluate", "coding", "--codebook", str(DEMO / "codebook.json"), "--segments",
                                 str(gold_csv(tmp_path, rows)), "--protocol", "online", "--suggester", "naive",
                                 "--json", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert report["suggester"] == "naive" and 0 < report["top3"] <= 1
    result = runner.invoke(app, ["evaluate", "coding", "--codebook", str(DEMO / "codebook.json"), "--segments",
                                 str(gold_csv(tmp_path, rows)), "--suggester", "oracle"])
    assert result.stderr.strip() == "error: unknown suggester 'oracle'; use one of: triage, naive"


def test_position_floor_reads_only_the_file_order() -> None:
    def gold(codes: str) -> GoldSegments:
        return GoldSegments([str(i) for i in range(len(codes))], [f"text {i}" for i in range(len(codes))],
                            [{c} for c in codes], [{} for _ in codes])

    blocks, alternating = position_floor(gold("AAAAABBBBB"), seeds=3), position_floor(gold("ABABABABAB"), seeds=3)
    assert blocks["top1"] > 0.5 > alternating["top1"]  # labels in blocks: the nearest row's code is right
    assert blocks["top3"] >= blocks["top1"] and alternating["top3"] >= alternating["top1"]
