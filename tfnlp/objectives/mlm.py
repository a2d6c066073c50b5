"""Objective `mlm`: masked-LM on contiguous text (RoBERTa-style, no NSP).

Masks ~15% of the tokens (80% `[MASK]`, 10% random, 10% kept; never a
special token), predicts them, and scores held-out accuracy beside the
unigram baseline on the same masks. The data is
`tfnlp.text.pretraining_data.build_pretraining_dataset`; BERT, DistilBERT
and ELECTRA's generator share it.

Example:

>>> from tfnlp.objectives import get_objective
>>> get_objective("mlm").default_max_predictions(128)
20
"""

from tfnlp.objectives.base import Objective


class MaskedLM(Objective):
    """Masked-LM, optionally with next-sentence prediction (`use_nsp`)."""

    name = "mlm"
    use_nsp = False
    metric_names = ("loss", "mlm_loss", "mlm_accuracy")
    heldout_metric_names = ("heldout_loss", "heldout_mlm_accuracy")

    def default_max_predictions(self, seq_length):
        from tfnlp.text.masking import default_max_predictions

        return default_max_predictions(seq_length)

    def build_dataset(self, files, tokenizer, options, split, seed):
        from tfnlp.text.pretraining_data import build_pretraining_dataset

        heldout = split == "heldout"
        return build_pretraining_dataset(
            files, tokenizer, seq_length=options.seq_length,
            batch_size=options.batch_size, objective=self.name,
            max_predictions_per_seq=options.max_predictions_per_seq,
            whole_word_masking=options.whole_word_masking, seed=seed,
            repeat=not heldout, drop_remainder=not heldout,
            heldout_fraction=options.heldout_fraction, split=split)

    def split_features(self, features):
        import keras

        x = {name: features[name] for name in
             ("token_ids", "segment_ids", "padding_mask", "masked_lm_positions")}
        y = {"mlm": features["masked_lm_ids"]}
        sample_weight = {"mlm": features["masked_lm_weights"]}
        if self.use_nsp:
            y["nsp"] = features["next_sentence_labels"]
            sample_weight["nsp"] = keras.ops.ones_like(
                features["next_sentence_labels"], dtype="float32")
        return x, y, sample_weight

    def canonical_metrics(self, logs):
        # With a single (MLM) output, Keras 3 logs plain `loss`/`accuracy`.
        logs = dict(logs or {})
        if "mlm_accuracy" not in logs and "accuracy" in logs:
            logs["mlm_accuracy"] = logs["accuracy"]
            logs.setdefault("mlm_loss", logs.get("loss"))
        return super().canonical_metrics(logs)

    def evaluate(self, model, heldout):
        """Held-out loss and MLM (+NSP) accuracy, and the unigram baseline.

        Returns:
            dict: `heldout_loss`, `heldout_mlm_accuracy`, (NSP)
            `heldout_nsp_accuracy`, `unigram_baseline_accuracy`,
            `unigram_baseline_token_id`.
        """
        from tfnlp.text.pretraining_data import unigram_baseline_accuracy

        metrics = self.canonical_metrics(model.evaluate(
            heldout.map(self.split_features), verbose=0, return_dict=True))
        baseline, token_id = unigram_baseline_accuracy(heldout)
        results = {"heldout_loss": metrics["loss"],
                   "heldout_mlm_accuracy": metrics["mlm_accuracy"]}
        if "nsp_accuracy" in metrics:
            results["heldout_nsp_accuracy"] = metrics["nsp_accuracy"]
        results["unigram_baseline_accuracy"] = float(baseline)
        results["unigram_baseline_token_id"] = int(token_id)
        return results


OBJECTIVE = MaskedLM()
