"""What the shared family harness needs to know of each family: a tiny model.

Every registered family must have an entry (a test fails otherwise). A new
family adds one `FamilySpec` here and then passes `test_family_harness.py`.
"""

import dataclasses


@dataclasses.dataclass(frozen=True)
class FamilySpec:
    """A tiny configuration of one family for the harness.

    Attributes:
        name: the family name.
        preset: its tiny preset.
        model_config: overrides that make it tinier (hidden 32-64).
        objective: the objective the harness pretrains with.
        vocab_size: size of the tokenizer learned from the harness corpus.
        objective_options: objective settings (JSON-able).
        seq_length: packed length.
        batch_size: pretraining batch size.
        lower_case: tokenizer casing.
        hf_model: optional `fn(tokenizer, backbone_config, folder)` that
            builds an HF model with `transformers`, saves it in `folder`
            with its tokenizer files and returns a callable
            `ids, mask -> last hidden state (numpy)` for the parity check.
    """

    name: str
    preset: str
    model_config: dict
    objective: str
    vocab_size: int = 400
    objective_options: dict = dataclasses.field(default_factory=dict)
    seq_length: int = 32
    batch_size: int = 4
    lower_case: bool = True
    hf_model: object = None


def _hf_reference(model, tokenizer, folder):
    """Saves an HF model with the tokenizer's files; returns `ids, mask -> hidden`."""
    import shutil

    import torch

    model = model.eval()
    model.save_pretrained(folder)
    for name, path in tokenizer.asset_files().items():
        shutil.copyfile(path, f"{folder}/{name}")

    def run(ids, mask):
        with torch.no_grad():
            out = model(input_ids=torch.tensor(ids), attention_mask=torch.tensor(mask))
        return out.last_hidden_state.numpy()

    return run


def _bert_hf_model(tokenizer, config, folder):
    import torch
    import transformers

    torch.manual_seed(0)
    return _hf_reference(transformers.BertModel(transformers.BertConfig(
        vocab_size=tokenizer.vocab_size, hidden_size=config["hidden_dim"],
        num_hidden_layers=config["num_layers"], num_attention_heads=config["num_heads"],
        intermediate_size=config["intermediate_dim"],
        max_position_embeddings=config["max_sequence_length"])), tokenizer, folder)


def _electra_hf_model(tokenizer, config, folder):
    import torch
    import transformers

    torch.manual_seed(0)
    return _hf_reference(transformers.ElectraModel(transformers.ElectraConfig(
        vocab_size=tokenizer.vocab_size, embedding_size=config["embedding_dim"],
        hidden_size=config["hidden_dim"], num_hidden_layers=config["num_layers"],
        num_attention_heads=config["num_heads"], intermediate_size=config["intermediate_dim"],
        max_position_embeddings=config["max_sequence_length"])), tokenizer, folder)


def _distilbert_hf_model(tokenizer, config, folder):
    import torch
    import transformers

    torch.manual_seed(0)
    return _hf_reference(transformers.DistilBertModel(transformers.DistilBertConfig(
        vocab_size=tokenizer.vocab_size, dim=config["hidden_dim"],
        n_layers=config["num_layers"], n_heads=config["num_heads"],
        hidden_dim=config["intermediate_dim"],
        max_position_embeddings=config["max_sequence_length"])), tokenizer, folder)


def _gpt2_hf_model(tokenizer, config, folder):
    import torch
    import transformers

    torch.manual_seed(0)
    return _hf_reference(transformers.GPT2Model(transformers.GPT2Config(
        vocab_size=tokenizer.vocab_size, n_embd=config["hidden_dim"],
        n_layer=config["num_layers"], n_head=config["num_heads"],
        n_inner=config["intermediate_dim"], n_positions=config["max_sequence_length"],
        bos_token_id=tokenizer.special_tokens["start_of_sequence_id"],
        eos_token_id=tokenizer.special_tokens["end_of_segment_id"])), tokenizer, folder)


def _xlnet_hf_model(tokenizer, config, folder):
    import torch
    import transformers

    torch.manual_seed(0)
    return _hf_reference(transformers.XLNetModel(transformers.XLNetConfig(
        vocab_size=tokenizer.vocab_size, d_model=config["hidden_dim"],
        n_layer=config["num_layers"], n_head=config["num_heads"],
        d_inner=config["intermediate_dim"])), tokenizer, folder)


TRANSFORMER = {"num_layers": 2, "hidden_dim": 32, "num_heads": 2, "intermediate_dim": 64}

SPECS = {
    "bert": FamilySpec(
        name="bert", preset="bert_tiny", objective="mlm_nsp",
        model_config=dict(TRANSFORMER, max_sequence_length=64), hf_model=_bert_hf_model),
    "electra": FamilySpec(
        name="electra", preset="electra_tiny", objective="rtd",
        model_config=dict(TRANSFORMER, embedding_dim=16, max_sequence_length=64),
        hf_model=_electra_hf_model),
    "distilbert": FamilySpec(
        name="distilbert", preset="distilbert_tiny", objective="mlm",
        model_config=dict(TRANSFORMER, max_sequence_length=64),
        hf_model=_distilbert_hf_model),
    "gpt2": FamilySpec(
        name="gpt2", preset="gpt2_tiny", objective="causal_lm", lower_case=False,
        model_config=dict(TRANSFORMER, max_sequence_length=64), hf_model=_gpt2_hf_model),
    "xlnet": FamilySpec(
        name="xlnet", preset="xlnet_tiny", objective="plm", model_config=dict(TRANSFORMER),
        hf_model=_xlnet_hf_model),
    "elmo": FamilySpec(
        name="elmo", preset="elmo_tiny", objective="bilm", lower_case=False,
        model_config={"lstm_dim": 32, "projection_dim": 16}),
    "word2vec": FamilySpec(
        name="word2vec", preset="static_tiny", objective="skipgram",
        model_config={"hidden_dim": 16}, batch_size=64),
    "glove": FamilySpec(
        name="glove", preset="static_tiny", objective="glove",
        model_config={"hidden_dim": 16}, batch_size=64),
}
