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


def _bert_hf_model(tokenizer, config, folder):
    import shutil

    import torch
    import transformers

    hf_config = transformers.BertConfig(
        vocab_size=tokenizer.vocab_size, hidden_size=config["hidden_dim"],
        num_hidden_layers=config["num_layers"], num_attention_heads=config["num_heads"],
        intermediate_size=config["intermediate_dim"],
        max_position_embeddings=config["max_sequence_length"])
    torch.manual_seed(0)
    model = transformers.BertModel(hf_config).eval()
    model.save_pretrained(folder)
    for name, path in tokenizer.asset_files().items():
        shutil.copyfile(path, f"{folder}/{name}")

    def run(ids, mask):
        with torch.no_grad():
            out = model(input_ids=torch.tensor(ids), attention_mask=torch.tensor(mask))
        return out.last_hidden_state.numpy()

    return run


SPECS = {
    "bert": FamilySpec(
        name="bert", preset="bert_tiny", objective="mlm_nsp",
        model_config={"num_layers": 2, "hidden_dim": 32, "num_heads": 2,
                      "max_sequence_length": 64},
        hf_model=_bert_hf_model),
}
