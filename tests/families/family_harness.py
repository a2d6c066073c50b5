"""Helpers of the shared family harness: one tiny run per family, cached."""

import json
import os

from family_specs import SPECS

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
_RUNS = {}


def run_config(spec, corpus, tokenizer_path, model_dir, steps):
    """The harness's `PretrainConfig` for a family."""
    from tfnlp.pretraining import PretrainConfig

    return PretrainConfig(
        model_dir=model_dir, vocab=tokenizer_path, input=corpus, steps=steps,
        family=spec.name, preset=spec.preset, model_config=json.dumps(spec.model_config),
        objective=spec.objective,
        objective_options=json.dumps(spec.objective_options) if spec.objective_options else None,
        lower_case=spec.lower_case, seq_length=spec.seq_length,
        batch_size=spec.batch_size, checkpoint_every=2, log_every=1,
        heldout_percent=10.0, eval_batches=2, warmup_steps=1, seed=3)


def family_run(name, corpus, root):
    """Learns the family's tokenizer and pretrains 4 steps (cached per family).

    Returns:
        dict with `spec`, `family`, `tokenizer_path`, `run` (the run dir) and
        `result` (what `pretrain` returned).
    """
    if name not in _RUNS:
        from tfnlp.models.registry import get_family
        from tfnlp.pretraining import pretrain

        spec = SPECS[name]
        family = get_family(name)
        folder = os.path.join(root, name)
        os.makedirs(folder, exist_ok=True)
        tokenizer_path = family.learn_tokenizer(
            corpus, os.path.join(folder, "tokenizer"), spec.vocab_size,
            lower_case=spec.lower_case)
        run = os.path.join(folder, "run")
        result = pretrain(run_config(spec, corpus, tokenizer_path, run, steps=4),
                          log=lambda message: None)
        _RUNS[name] = {"spec": spec, "family": family, "tokenizer_path": tokenizer_path,
                       "run": run, "result": result, "root": folder}
    return _RUNS[name]
