"""autograder.config: grading.toml into typed frozen dataclasses, and errors that name file and key."""
import dataclasses
import os
import tomllib
from pathlib import Path

import pytest

from autograder.config import Assignment, Config, ConfigError, Limits, Part, Tolerance, find_config, load

ROOT = Path(__file__).resolve().parents[1]
GRADING = ROOT / "grading.toml"

BASE = """
[a]
files = ["x.py", "y.py"]

[a.parts.p]
file = "x.py"
points = 10
"""


def write(folder: Path, text: str, name: str = "grading.toml") -> Path:
    path = folder.resolve() / name
    path.write_text("\n".join(line.strip() for line in text.strip().splitlines()) + "\n")
    return path


def config_error(path: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load(path)
    return str(info.value)


# ---------------------------------------------------------------- the repository's grading.toml

@pytest.fixture(scope="module")
def raw() -> dict:
    with GRADING.open("rb") as file:
        return tomllib.load(file)


@pytest.fixture(scope="module")
def conv() -> Assignment:
    return load(GRADING).assignment("convolution")


def test_repo_config_has_the_convolution_assignment(raw):
    cfg = load(GRADING)
    assert isinstance(cfg, Config)
    assert cfg.path == GRADING
    assert cfg.root == ROOT
    assert "convolution" in cfg.assignments
    assert set(cfg.assignments) == {k for k, v in raw.items() if isinstance(v, dict) and k != "limits"}


def test_repo_config_files_and_parts(conv, raw):
    assert conv.name == "convolution"
    assert conv.files == ("conv.py", "receptive_field.py")
    assert conv.files == tuple(raw["convolution"]["files"])
    assert set(conv.parts) == {"conv2d_forward", "conv2d_backward", "conv_output_size", "receptive_field"}
    for name, part in conv.parts.items():
        assert isinstance(part, Part)
        assert part.name == name
        assert part.file in conv.files
        assert part.points == raw["convolution"]["parts"][name]["points"]
        assert isinstance(part.points, float)
        assert part.description
    assert conv.parts["conv2d_forward"].file == "conv.py"
    assert conv.parts["receptive_field"].file == "receptive_field.py"


def test_repo_config_points_sum_to_100(conv):
    assert sum(part.points for part in conv.parts.values()) == 100
    assert conv.max_score == 100


def test_repo_config_tolerances(conv, raw):
    assert set(conv.tolerance) == {"float32", "float64"}
    for dtype, table in raw["convolution"]["tolerance"].items():
        assert conv.tolerance[dtype] == Tolerance(rtol=table["rtol"], atol=table["atol"])
    assert conv.tolerance["float64"].rtol < conv.tolerance["float32"].rtol


def test_repo_config_forbidden_lists(conv, raw):
    assert set(conv.forbidden) == {"conv.py"}
    apis = conv.forbidden["conv.py"]
    assert isinstance(apis, tuple) and all(isinstance(api, str) for api in apis)
    assert apis == tuple(raw["convolution"]["forbidden"]["conv.py"])
    for expected in ("torch.nn.functional.conv*", "Tensor.backward", "torch.autograd.grad", "torch.func.*"):
        assert expected in apis
    assert "receptive_field.py" not in conv.forbidden


def test_repo_config_limits_and_layout(conv, raw):
    cfg = load(GRADING)
    for key, value in raw["limits"].items():
        assert getattr(cfg.limits, key) == value
    for key, value in {**raw["limits"], **raw["convolution"].get("limits", {})}.items():
        assert getattr(conv.limits, key) == value
    assert conv.solution_dir == ROOT / "solutions" / "convolution"
    assert conv.release_dir == ROOT / "assignments" / "convolution"
    assert conv.hidden_dir == ROOT / "hidden" / "convolution"
    assert cfg.jobs == (raw.get("jobs", 0) or os.cpu_count() or 1)


def test_config_objects_are_frozen(conv):
    with pytest.raises(dataclasses.FrozenInstanceError):
        conv.files = ()
    with pytest.raises(dataclasses.FrozenInstanceError):
        conv.limits.memory_mb = 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        conv.parts["conv2d_forward"].points = 100


# ---------------------------------------------------------------- small configs

def test_minimal_config_gets_defaults(tmp_path):
    cfg = load(write(tmp_path, BASE))
    a = cfg.assignment("a")
    assert a.files == ("x.py", "y.py")
    assert a.parts == {"p": Part(name="p", file="x.py", points=10.0, description="")}
    assert a.tolerance == {} and a.forbidden == {}
    assert a.limits == Limits() == cfg.limits
    assert a.show_hidden_details is True
    assert a.root == tmp_path.resolve()
    assert cfg.jobs == (os.cpu_count() or 1)


def test_load_accepts_a_str_path(tmp_path):
    path = write(tmp_path, BASE)
    assert load(str(path)).path == path


def test_load_without_path_finds_grading_toml_from_the_current_folder(tmp_path, monkeypatch):
    path = write(tmp_path, BASE)
    sub = tmp_path / "deep" / "er"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    assert load().path == path


def test_jobs_is_read(tmp_path):
    assert load(write(tmp_path, "jobs = 3\n" + BASE)).jobs == 3


def test_assignment_limits_override_only_the_given_keys(tmp_path):
    cfg = load(write(tmp_path, BASE + """
        [limits]
        call_timeout_s = 5.0
        memory_mb = 2048

        [a.limits]
        memory_mb = 1024
        test_timeout_s = 30

        [b]
        files = ["z.py"]

        [b.parts.q]
        file = "z.py"
        points = 1
        """))
    defaults = Limits()
    assert cfg.limits == dataclasses.replace(defaults, call_timeout_s=5.0, memory_mb=2048)
    a = cfg.assignment("a")
    # memory_mb is overridden back to the dataclass default: it must still win over [limits]
    assert a.limits.memory_mb == 1024
    assert a.limits.test_timeout_s == 30.0 and isinstance(a.limits.test_timeout_s, float)
    assert a.limits.call_timeout_s == 5.0  # from [limits]
    assert a.limits.max_output_mb == defaults.max_output_mb
    assert a.limits.timeouts_before_skip == defaults.timeouts_before_skip
    assert cfg.assignment("b").limits == cfg.limits


def test_tolerance_entries_and_default(tmp_path):
    cfg = load(write(tmp_path, BASE + """
        [a.tolerance]
        float32 = { rtol = 1e-3 }
        default = { rtol = 0, atol = 0.5 }
        """))
    a = cfg.assignment("a")
    assert a.tolerance["float32"] == Tolerance(rtol=1e-3, atol=Tolerance().atol)
    assert a.tolerance["default"] == Tolerance(rtol=0.0, atol=0.5)
    assert isinstance(a.tolerance["default"].rtol, float)


def test_forbidden_and_show_hidden_details(tmp_path):
    text = BASE.replace("[a]\n", "[a]\nshow_hidden_details = false\n") + """
        [a.forbidden]
        "y.py" = ["torch.conv2d", "Tensor.backward"]
        """
    cfg = load(write(tmp_path, text))
    a = cfg.assignment("a")
    assert a.forbidden == {"y.py": ("torch.conv2d", "Tensor.backward")}
    assert a.show_hidden_details is False


def test_unknown_assignment_lists_the_known_ones(tmp_path):
    path = write(tmp_path, BASE + """
        [b]
        files = ["z.py"]
        [b.parts.q]
        file = "z.py"
        """)
    cfg = load(path)
    with pytest.raises(ConfigError) as info:
        cfg.assignment("nope")
    message = str(info.value)
    assert "nope" in message and "a, b" in message and str(path) in message


def test_unknown_assignment_in_the_repo_config_lists_convolution():
    with pytest.raises(ConfigError, match="convolution"):
        load(GRADING).assignment("nope")


# ---------------------------------------------------------------- errors

# id, grading.toml text, fragments the message must contain (besides the file's path)
ERRORS = [
    ("unknown top-level key", 'colour = "red"\n' + BASE, ["colour"]),
    ("unknown key in [limits]", "[limits]\nmemory = 5\n" + BASE, ["memory", "limits"]),
    ("unknown key in an assignment", BASE.replace("[a]\n", "[a]\nfils = []\n"), ["fils", "[a]"]),
    ("unknown key in a part", BASE + "pionts = 10\n", ["pionts", "a.parts.p"]),
    ("unknown key in [NAME.limits]", BASE + "[a.limits]\ntimeout = 1\n", ["timeout", "a.limits"]),
    ("unknown key in a tolerance", BASE + "[a.tolerance]\nfloat32 = { rtol = 1, btol = 2 }\n",
     ["btol", "a.tolerance.float32"]),
    ("part file not in files", BASE.replace('file = "x.py"', 'file = "other.py"'), ["other.py", "a.parts.p"]),
    ("part without a file", BASE.replace('file = "x.py"\n', ""), ["a.parts.p", "file"]),
    ("points is a string", BASE.replace("points = 10", 'points = "ten"'), ["points", "ten", "a.parts.p"]),
    ("points is a bool", BASE.replace("points = 10", "points = true"), ["points", "a.parts.p"]),
    ("description is a number", BASE + "description = 3\n", ["description", "a.parts.p"]),
    ("limit is a string", '[limits]\ncall_timeout_s = "slow"\n' + BASE, ["call_timeout_s", "slow"]),
    ("limit is a bool", "[limits]\nmemory_mb = true\n" + BASE, ["memory_mb"]),
    ("assignment limit is a string", BASE + '[a.limits]\nmemory_mb = "big"\n', ["memory_mb", "a.limits"]),
    ("tolerance is a string", BASE + '[a.tolerance]\nfloat32 = { rtol = "small" }\n', ["rtol", "float32"]),
    ("forbidden names an unknown file", BASE + '[a.forbidden]\n"nope.py" = ["torch.conv2d"]\n',
     ["nope.py", "a.forbidden"]),
    ("missing files list", BASE.replace('files = ["x.py", "y.py"]\n', ""), ["[a]", "files"]),
    ("empty files list", BASE.replace('files = ["x.py", "y.py"]', "files = []"), ["[a]", "files"]),
    ("files not strings", BASE.replace('files = ["x.py", "y.py"]', "files = [1, 2]"), ["[a]", "files"]),
    ("no parts", '[a]\nfiles = ["x.py"]\n', ["[a]", "parts"]),
    ("jobs negative", "jobs = -1\n" + BASE, ["jobs", "-1"]),
    ("jobs a string", 'jobs = "many"\n' + BASE, ["jobs", "many"]),
    ("invalid TOML", BASE + "[a.parts.q\nfile = \n", ["TOML"]),
    ("duplicate key", BASE + "points = 20\n", ["TOML"]),
]


@pytest.mark.parametrize(("text", "fragments"), [c[1:] for c in ERRORS], ids=[c[0] for c in ERRORS])
def test_config_error_names_file_and_key(tmp_path, text, fragments):
    path = write(tmp_path, text)
    message = config_error(path)
    assert str(path) in message, message
    for fragment in fragments:
        assert fragment in message, message


def test_missing_file_is_a_config_error_naming_it(tmp_path):
    path = tmp_path.resolve() / "missing.toml"
    message = config_error(path)
    assert str(path) in message


def test_unknown_key_error_lists_the_known_keys(tmp_path):
    message = config_error(write(tmp_path, BASE + "pionts = 10\n"))
    for known in ("file", "points", "description"):
        assert known in message


# Wrong values that are accepted without an error, or that escape as another exception.
NOT_REJECTED = [
    ("files is a string", BASE.replace('files = ["x.py", "y.py"]', 'files = "x.py"'), "files"),
    ("forbidden list is a string", BASE + '[a.forbidden]\n"x.py" = "torch.conv2d"\n', "x.py"),
    ("forbidden entries not strings", BASE + '[a.forbidden]\n"x.py" = [1, 2]\n', "x.py"),
    ("tolerance entry not a table", BASE + "[a.tolerance]\nfloat32 = 0.001\n", "float32"),
    ("parts not a table", '[a]\nfiles = ["x.py"]\nparts = 5\n', "parts"),
    ("part not a table", '[a]\nfiles = ["x.py"]\nparts = { p = 5 }\n', "p"),
    ("show_hidden_details is a string", BASE.replace("[a]\n", '[a]\nshow_hidden_details = "false"\n'),
     "show_hidden_details"),
    ("jobs is a bool", "jobs = true\n" + BASE, "jobs"),
    ("int limit given a fraction", BASE + "[a.limits]\nmemory_mb = 1.5\n", "memory_mb"),
]


@pytest.mark.parametrize(("text", "key"), [c[1:] for c in NOT_REJECTED], ids=[c[0] for c in NOT_REJECTED])
def test_wrong_value_type_is_a_config_error(tmp_path, text, key):
    path = write(tmp_path, text)
    message = config_error(path)
    assert str(path) in message and key in message


# ---------------------------------------------------------------- find_config

def test_find_config_in_the_folder_itself(tmp_path):
    path = write(tmp_path, BASE)
    assert find_config(tmp_path) == path


def test_find_config_walks_up_from_a_subfolder(tmp_path):
    path = write(tmp_path, BASE)
    sub = tmp_path / "a" / "b" / "c"
    sub.mkdir(parents=True)
    assert find_config(sub) == path


def test_find_config_takes_the_nearest(tmp_path):
    write(tmp_path, BASE)
    inner = tmp_path / "course"
    inner.mkdir()
    nearest = write(inner, BASE)
    (inner / "sub").mkdir()
    assert find_config(inner / "sub") == nearest


def test_find_config_skips_a_folder_named_grading_toml(tmp_path):
    path = write(tmp_path, BASE)
    sub = tmp_path / "sub"
    (sub / "grading.toml").mkdir(parents=True)
    assert find_config(sub) == path


def test_find_config_defaults_to_the_current_folder(tmp_path, monkeypatch):
    path = write(tmp_path, BASE)
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    assert find_config() == path


def test_find_config_without_any_is_a_config_error(tmp_path):
    start = tmp_path.resolve() / "empty"
    start.mkdir()
    if any((folder / "grading.toml").is_file() for folder in (start, *start.parents)):
        pytest.skip("a grading.toml above the temporary folder")
    with pytest.raises(ConfigError) as info:
        find_config(start)
    assert str(start) in str(info.value)
