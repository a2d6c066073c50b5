"""Knowledge distillation (DistilBERT, Sanh et al. 2019).

The data are masked-LM batches (the `mlm` objective's); the teacher, the
student and the loss (`5 * T^2 * KL + 2 * MLM + 1 * cosine`, or hidden
states only for a teacher without an MLM head) live in the family's
`DistillationPretrainer`. The held-out evaluation reports the student
beside the teacher's score on the same masks.

Example:
>>> from tfnlp.objectives import get_objective
>>> "teacher_mlm_accuracy" in get_objective("distill").metric_names
True
"""

from tfnlp.errors import TfnlpError
from tfnlp.objectives.base import Objective
from tfnlp.objectives.rtd import FEATURES, masked_lm_dataset


class DistillObjective(Objective):
    """Distillation from a frozen teacher; `x` is the whole MLM feature dict."""

    name = "distill"
    metric_names = ("loss", "kl_loss", "mlm_loss", "cosine_loss", "hidden_mse",
                    "mlm_accuracy", "teacher_mlm_accuracy", "teacher_agreement")
    heldout_metric_names = ("heldout_loss", "heldout_cosine_loss", "heldout_mlm_accuracy",
                            "heldout_teacher_mlm_accuracy")

    def default_max_predictions(self, seq_length):
        """BERT's ~0.15 * seq_length (20 at 128)."""
        from tfnlp.text.masking import default_max_predictions

        return default_max_predictions(seq_length)

    def build_dataset(self, files, tokenizer, options, split, seed):
        """Masked-LM batches of the corpus (see `tfnlp.objectives.rtd.masked_lm_dataset`).

        Raises:
            TfnlpError: a corpus that tokenizes to nothing.
        """
        try:
            return masked_lm_dataset(files, tokenizer, options, split, seed)
        except TfnlpError as error:
            raise TfnlpError(f"distillation corpus {files}: {error}") from None

    def split_features(self, features):
        """`(x, None, None)` with `x` the six MLM features."""
        missing = [k for k in FEATURES if k not in features]
        if missing:
            raise TfnlpError(f"distill features lack {', '.join(missing)}")
        return {k: features[k] for k in FEATURES}, None, None

    def evaluate(self, model, heldout):
        """Held-out losses, and the student's MLM accuracy beside the teacher's.

        Args:
            model: a compiled `DistillationPretrainer`.
            heldout: a finite dataset from `build_dataset(split="heldout")`.

        Returns:
            dict of floats, `heldout_<metric>` for each logged metric.
        """
        logs = model.evaluate(heldout.map(self.split_features), verbose=0, return_dict=True)
        return {f"heldout_{k}": float(v) for k, v in logs.items()}


OBJECTIVE = DistillObjective()
