"""The command line as a new user meets it: help with examples, usage errors, pipes and signals."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from pipeline.cli import build_parser, main
from tests.conftest import ROOT, seed_path
from tests.test_scale import _copies


def _subcommands():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return parser, sub.choices


@pytest.mark.parametrize("command", ["run", "inspect", "schema"])
def test_every_argument_has_help_and_every_command_examples(command):
    """Issue 15: `--help` said nothing of PATH, `inspect FILE` or `schema --format`, and gave no examples."""
    parser, commands = _subcommands()
    cmd = commands[command]
    for action in cmd._actions:
        assert action.help, f"{command}: {action.dest} has no help text"
    assert "examples:" in (cmd.epilog or ""), f"{command} --help has no examples"
    assert "example" in (parser.epilog or "")


@pytest.mark.parametrize("paths", [
    pytest.param(["no-such-folder"], id="a-missing-folder"),
    pytest.param(["SEED", "typo.txt"], id="a-missing-file-beside-a-good-one"),
])
def test_a_path_that_does_not_exist_is_a_usage_error(tmp_path, capsys, paths):
    """Issue 15: a mistyped path became a permanent failed documents row (exit 1)."""
    paths = [str(seed_path("000")) if p == "SEED" else str(tmp_path / p) for p in paths]
    out = tmp_path / "out"
    assert main(["run", *paths, "--out", str(out), "--quiet"]) == 2
    assert "no such file or folder" in capsys.readouterr().err
    assert not out.exists()  # nothing written


def _cli(*args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "pipeline.cli", *args], cwd=ROOT, stderr=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, **kw)


def test_inspect_into_a_closed_pipe_stops_quietly():
    """Issue 15: `cnbudget inspect FILE | head` printed a BrokenPipeError traceback."""
    proc = _cli("inspect", str(seed_path("004")), "--text")
    proc.stdout.readline()
    proc.stdout.close()  # the reader goes away, as `head` does
    err = proc.stderr.read()
    proc.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    assert proc.returncode == 141


@pytest.mark.slow
def test_sigterm_stops_a_run_with_a_message_and_the_next_run_finishes(tmp_path):
    """Issue 15: SIGTERM ended a run without a word."""
    _copies(tmp_path / "in", 400)
    out = tmp_path / "out"
    proc = _cli("run", str(tmp_path / "in"), "--out", str(out), "--workers", "1")
    first = proc.stderr.readline()  # "progress: 40/400 …": the run is under way
    assert first.startswith("progress:"), first
    os.kill(proc.pid, signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert "terminated; run again to finish" in err and "Traceback" not in err
    assert main(["run", str(tmp_path / "in"), "--out", str(out), "--quiet"]) == 0
    docs = pd.read_parquet(out / "documents")
    assert len(docs) == docs.doc_id.nunique() == 400


def test_inspect_has_a_memory_cap(tmp_path):
    """Issue 15: `inspect` had no memory cap (a 37 KB DOCX bomb took 2.1 GB). Under a cap far below
    what reading this document needs, it fails with a clear message instead of taking the machine."""
    big = tmp_path / "big.txt"
    big.write_bytes(seed_path("004").read_bytes() * 200)  # ~8 MB
    proc = _cli("inspect", str(big), "--memory-limit", "0.05")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err
    assert "out_of_memory" in err and "Traceback" not in err
