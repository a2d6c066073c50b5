"""An encoder that reads other inputs than token ids (ELMo: `char_ids` +
`padding_mask`) fine-tunes for classification through the runner, exports
a serving model (`serve_features`) and evaluates from it; word-aligned tasks
refuse it with a clear message."""

import os

import pytest

import finetune_helpers as H
from tfnlp.errors import TfnlpError


@pytest.fixture(scope="module")
def elmo_dir(tmp_path_factory):
    from tfnlp.models.model_dir import save_model_dir
    from tfnlp.models.registry import get_family

    family = get_family("elmo")
    root = tmp_path_factory.mktemp("elmo")
    corpus = root / "corpus.txt"
    corpus.write_text("\n".join(H.all_texts()) + "\n", encoding="utf-8")
    tokenizer = family.load_tokenizer(
        family.learn_tokenizer(str(corpus), str(root / "tok"), 300), seq_length=32)
    backbone = family.build_backbone(family.resolve_config(family.default_preset),
                                     tokenizer.vocab_size)
    return str(root), save_model_dir(str(root / "model"), "elmo", backbone, tokenizer)


@pytest.mark.slow
def test_elmo_classification_end_to_end(elmo_dir):
    from tfnlp.tasks.encoder_source import resolve_encoder
    from tfnlp.tasks.runner import FinetuneConfig, finetune
    from tfnlp.tasks.saved_task import load_saved_task

    root, model = elmo_dir
    source = resolve_encoder(model)
    assert "char_ids" in source.input_specs and not source.token_inputs
    train, held = H.classification_split()
    train = H.write_classification(os.path.join(root, "train.jsonl"), train)
    held = H.write_classification(os.path.join(root, "eval.jsonl"), held)
    out = os.path.join(root, "out")
    result = finetune(FinetuneConfig(encoder=model, task="classification", train=train,
                                     eval=held, output=out, epochs=4, batch_size=8,
                                     seq_length=16, schedule="ulmfit", verbose=False))
    saved = load_saved_task(out)
    assert saved.evaluate(held)["accuracy"] == pytest.approx(result["accuracy"])
    assert saved.predict_texts(["The dog sleeps."])[0]["label"] in ("animal", "food")
    with pytest.raises(TfnlpError, match="aligns words with token pieces"):
        finetune(FinetuneConfig(encoder=model, task="ner", output=os.path.join(root, "ner"),
                                train=H.write_conll(os.path.join(root, "t.conll")),
                                seq_length=16, verbose=False))


@pytest.mark.slow
def test_elmo_feature_mode_through_the_cli(elmo_dir, capsys):
    """`tfnlp finetune --mode=feature`: the ELMo layers stay frozen, the mix trains."""
    import json

    from tfnlp.cli.main import main
    from tfnlp.tasks.saved_task import load_saved_task

    root, model = elmo_dir
    train, held = H.classification_split()
    train = H.write_classification(os.path.join(root, "ftrain.jsonl"), train)
    held = H.write_classification(os.path.join(root, "feval.jsonl"), held)
    out = os.path.join(root, "feature_out")
    assert main(["tfnlp", "finetune", f"--encoder={model}", "--task=classification",
                 f"--train={train}", f"--eval={held}", f"--output={out}", "--mode=feature",
                 "--task_network=dense", "--epochs=1", "--batch_size=8", "--seq_length=16",
                 "--learning_rate=0.01"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert 0.0 <= result["accuracy"] <= 1.0
    saved = load_saved_task(out)
    assert saved.evaluate(held)["accuracy"] == pytest.approx(result["accuracy"])
