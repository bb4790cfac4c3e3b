"""README's two newcomer commands exist, and CI runs exactly README's test command."""
import os
import re

from conftest import ROOT


def _read(*parts):
    with open(os.path.join(ROOT, *parts)) as f:
        return f.read()


def test_ci_runs_the_readme_test_command():
    readme = _read("README.md")
    blocks = re.findall(r"```sh\n(.*?)\n```", readme, re.S)
    test_command = next(b for b in blocks if "pytest" in b)
    assert test_command.strip() in _read(".ci", "run")


def test_readme_starts_with_install_and_run_sample():
    readme = _read("README.md")
    first_block = re.findall(r"```sh\n(.*?)\n```", readme, re.S)[0]
    assert "pip install" in first_block and "samples/" in first_block
    sample = re.search(r"(samples/\S+)", first_block).group(1)
    assert os.path.exists(os.path.join(ROOT, sample))


def test_every_convention_is_documented_with_a_table():
    from netcost.cost import conventions

    readme = _read("README.md")
    for name in conventions():
        section = readme.split(f"### `{name}`", 1)
        assert len(section) == 2, f"README has no section for {name}"
        body = section[1].split("\n### ", 1)[0]
        assert "Source" in body or "source" in body
