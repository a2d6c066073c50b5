"""Replaced-token detection (ELECTRA, Clark et al. 2020).

The data are masked-LM batches (BERT's 15% masking, 80/10/10): the
generator predicts the masked positions, its samples fill them, and the
discriminator labels every real token replaced/original. The sampling and
both losses live in the family's pretrainer (`ElectraPretrainer.train_step`);
this module provides the data, the feature split, the held-out evaluation
and the metric names.

Example:
>>> from tfnlp.objectives import get_objective
>>> get_objective("rtd").metric_names[:3]
('loss', 'mlm_loss', 'rtd_loss')
"""

from tfnlp.errors import TfnlpError
from tfnlp.objectives.base import Objective

FEATURES = ("token_ids", "segment_ids", "padding_mask", "masked_lm_positions",
            "masked_lm_ids", "masked_lm_weights")


def masked_lm_dataset(files, tokenizer, options, split, seed):
    """Masked-LM batches (the `mlm` objective's data) for RTD and distillation.

    Args:
        files: corpus path(s).
        tokenizer: the family tokenizer (BERT WordPiece).
        options: a `tfnlp.objectives.base.DataOptions`.
        split: `"train"` (repeats, deterministic in (seed, batch index)) or
            `"heldout"` (finite).
        seed: int.

    Returns:
        `tf.data.Dataset` of dicts with `FEATURES`.

    Raises:
        TfnlpError: an empty corpus or one that tokenizes to nothing.
    """
    from tfnlp.objectives import get_objective

    return get_objective("mlm").build_dataset(files, tokenizer, options, split, seed)


class RtdObjective(Objective):
    """ELECTRA's objective: generator MLM + replaced-token detection.

    `split_features` passes the whole MLM feature dict as `x` (the
    pretrainer's `train_step` needs the masked-LM targets to build the
    corrupted input and the replaced labels), with no `y`.
    """

    name = "rtd"
    metric_names = ("loss", "mlm_loss", "rtd_loss", "mlm_accuracy", "rtd_accuracy",
                    "rtd_auc", "rtd_baseline_accuracy", "replaced_fraction")
    heldout_metric_names = ("heldout_mlm_accuracy", "heldout_rtd_accuracy",
                            "heldout_rtd_auc", "heldout_rtd_baseline_accuracy",
                            "heldout_replaced_fraction")

    def default_max_predictions(self, seq_length):
        """BERT's ~0.15 * seq_length (20 at 128)."""
        from tfnlp.text.masking import default_max_predictions

        return default_max_predictions(seq_length)

    def build_dataset(self, files, tokenizer, options, split, seed):
        """Masked-LM batches (see `masked_lm_dataset`)."""
        return masked_lm_dataset(files, tokenizer, options, split, seed)

    def split_features(self, features):
        """`(x, None, None)` with `x` the six MLM features."""
        missing = [k for k in FEATURES if k not in features]
        if missing:
            raise TfnlpError(f"rtd features lack {', '.join(missing)}")
        return {k: features[k] for k in FEATURES}, None, None

    def evaluate(self, model, heldout):
        """Held-out generator accuracy, RTD accuracy/AUC and the all-original baseline.

        Args:
            model: a compiled `ElectraPretrainer`.
            heldout: a finite dataset from `build_dataset(split="heldout")`.

        Returns:
            dict of floats: `heldout_<metric>` for each logged metric, and
            `rtd_baseline_accuracy` (accuracy of answering "original" for
            every token, what `heldout_rtd_accuracy` must beat).
        """
        logs = model.evaluate(heldout.map(self.split_features), verbose=0, return_dict=True)
        out = {f"heldout_{k}": float(v) for k, v in logs.items()}
        out["rtd_baseline_accuracy"] = out.get("heldout_rtd_baseline_accuracy")
        return out


OBJECTIVE = RtdObjective()
