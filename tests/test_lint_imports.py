"""`promptops lint FILE`, as the pre-commit hook runs it, imports only what linting uses.

A warm run (counts, parses and paragraphs cached) must not import the git layer and the
version history (only `check`'s base-ref rules and a linted release read git), nor what only
writing a cache file (`tempfile`) or a `pyproject.toml` config (`tomllib`) needs: each is
interpreter time paid on every commit for nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.cli import REPO_ROOT, run_cli
from tests.support.lint_repo import CHARTER, TOOL, make_repo

PROMPT = """\
kind: prompt
id: greet
version: 1.0.0
model: claude-sonnet-4-6
workload: support
max_output_tokens: 300
tools: [lookup_order]
system:
  - text: "You are a support agent. Answer in the customer's language."
    cache: true
messages:
  - role: user
    content: "{{ question }}"
variables:
  question: {expected_tokens: 40}
"""

PROBE = """
import sys
from promptops.cli import main
try:
    main(["lint", "--exit-zero", "--format", "json", "prompts/greet.yaml"])
except SystemExit:
    pass
unused = (
    "promptops.git",
    "promptops.version_history",
    "promptops.lint.change",
    "subprocess",
    "tempfile",
    "tomllib",
)
print("UNUSED=" + ",".join(sorted(m for m in unused if m in sys.modules)), file=sys.stderr)
"""


def test_warm_single_file_lint_imports_no_git_and_no_writer(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    root = make_repo(
        tmp_path / "repo",
        {"prompts/greet.yaml": PROMPT, "charters/support.yaml": CHARTER, "tools/t.yaml": TOOL},
        config="tokenizer: cl100k_base\n",
    )
    env = {"PROMPTOPS_CACHE_DIR": str(tmp_path / "cache")}
    cold = run_cli(["lint", "--exit-zero", "--format", "json", "prompts/greet.yaml"], root, env)
    assert cold.returncode == 0, cold.stderr
    probe_env = {
        **os.environ,
        **env,
        "NO_COLOR": "1",
        "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    warm = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=root,
        env=probe_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert warm.stdout == cold.stdout  # the same findings, from the caches
    assert warm.stderr.strip().splitlines()[-1] == "UNUSED=", warm.stderr
