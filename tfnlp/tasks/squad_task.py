"""Extractive QA (SQuAD v1.1 / v2.0) as a fine-tuning task.

Contexts are cut into windows of `seq_length` pieces, `doc_stride` apart;
questions keep at most `max_query_length` pieces. By default these scale
with `seq_length` as BERT's 384 / 128 / 64: `doc_stride = seq_length // 3`,
`max_query_length = seq_length // 6`. Answers are decoded from the n-best
(20) start/end logits of all windows, at most 30 pieces long, and scored with
the official EM / F1 scripts.

Example:

>>> task = SquadTask(source.tokenizer, seq_length=384)      # doctest: +SKIP
>>> train = task.read_train("train-v1.1.json")              # doctest: +SKIP
"""

import numpy as np

from tfnlp.errors import TfnlpError
from tfnlp.tasks.squad import SquadExample, gold_answers, read_squad, split_context
from tfnlp.tasks.squad_decode import decode_squad_predictions
from tfnlp.tasks.squad_features import convert_squad_examples, squad_features_to_arrays
from tfnlp.tasks.packing import WordPieces
from tfnlp.tasks.squad_metrics import squad_evaluate
from tfnlp.tasks.task_split import INPUT_NAMES, TaskSplit

N_BEST = 20
MAX_ANSWER_LENGTH = 30


class SquadTask:
    """SQuAD JSON → start / end logits per window → answer texts.

    Args:
        tokenizer: the encoder's family `Tokenizer`.
        seq_length: window length in pieces.
        meta: optional dict from `meta` (a saved task).
        doc_stride: int or None (`seq_length // 3`).
        max_query_length: int or None (`seq_length // 6`).

    Example:

    >>> task.score(task.read_eval("dev-v1.1.json"), outputs)["f1"]   # doctest: +SKIP
    """

    name = "squad"

    def __init__(self, tokenizer, seq_length, meta=None, doc_stride=None,
                 max_query_length=None):
        meta = meta or {}
        self.tokenizer = tokenizer
        self.word_pieces = WordPieces(tokenizer)
        self.lower_case = bool(getattr(tokenizer, "lower_case", False))
        self.seq_length = seq_length
        self.doc_stride = int(meta.get("doc_stride") or doc_stride or max(1, seq_length // 3))
        self.max_query_length = int(meta.get("max_query_length") or max_query_length
                                    or max(1, seq_length // 6))
        self.version_2 = meta.get("version_2_with_negative")

    num_labels = None

    @property
    def meta(self):
        """dict saved in task.json."""
        return {"doc_stride": self.doc_stride, "max_query_length": self.max_query_length,
                "version_2_with_negative": bool(self.version_2),
                "n_best_size": N_BEST, "max_answer_length": MAX_ANSWER_LENGTH}

    def _split(self, examples, labeled):
        features = convert_squad_examples(
            examples, self.tokenizer, max_seq_length=self.seq_length,
            doc_stride=self.doc_stride, max_query_length=self.max_query_length,
            word_pieces=self.word_pieces)
        arrays = squad_features_to_arrays(features)
        x = {k: arrays[k] for k in INPUT_NAMES}
        y = {"start_logits": arrays["start_positions"], "end_logits": arrays["end_positions"]}
        return TaskSplit(x=x, y=y if labeled else None,
                         extra={"examples": examples, "features": features})

    def read_train(self, path):
        """Reads training questions (one answer each); detects v2.0.

        Args:
            path: SQuAD JSON file.

        Returns:
            A `TaskSplit`.
        """
        examples = read_squad(path, is_training=True)
        self.version_2 = any(ex.is_impossible for ex in examples)
        return self._split(examples, labeled=True)

    def read_eval(self, path):
        """Reads eval questions (all gold answers kept).

        Args:
            path: SQuAD JSON file.

        Returns:
            A `TaskSplit`.
        """
        examples = read_squad(path, is_training=False,
                              version_2_with_negative=bool(self.version_2))
        return self._split(examples, labeled=True)

    def losses(self):
        """dict output -> Keras loss (start and end cross-entropy)."""
        import keras

        return {k: keras.losses.SparseCategoricalCrossentropy(from_logits=True)
                for k in ("start_logits", "end_logits")}

    def loss_weights(self):
        """BERT averages the start and end losses."""
        return {"start_logits": 0.5, "end_logits": 0.5}

    def _decode(self, split, outputs):
        return decode_squad_predictions(
            split.extra["examples"], split.extra["features"],
            np.asarray(outputs["start_logits"]), np.asarray(outputs["end_logits"]),
            self.tokenizer, lower_case=self.lower_case, n_best_size=N_BEST,
            max_answer_length=MAX_ANSWER_LENGTH,
            version_2_with_negative=bool(self.version_2))

    def score(self, split, outputs):
        """Official SQuAD EM / F1 (v2.0: also HasAns / NoAns and best thresholds).

        Args:
            split: from `read_eval`.
            outputs: dict with `start_logits`, `end_logits` `[N, seq_length]`.

        Returns:
            dict with `exact_match`, `f1`, `examples` and, for v2.0, the other
            keys of `squad_v2_evaluate`.
        """
        predictions = self._decode(split, outputs)
        gold = gold_answers(split.extra["examples"])
        if self.version_2:
            metrics = squad_evaluate(gold, predictions.answers, True,
                                     na_probs=predictions.null_score_diff)
            metrics["exact_match"] = metrics["exact"]
        else:
            metrics = squad_evaluate(gold, predictions.answers)
        metrics["examples"] = len(gold)
        return metrics

    def read_inputs(self, questions, contexts=None):
        """Questions with their contexts, for prediction.

        Args:
            questions: list of str.
            contexts: list of str, one per question.

        Returns:
            A `TaskSplit`.
        """
        if contexts is None or len(contexts) != len(questions):
            raise TfnlpError("SQuAD prediction needs a context per question: "
                             "--text=QUESTION --text_b=CONTEXT, or --input=SQUAD.json")
        examples = []
        for i, (question, context) in enumerate(zip(questions, contexts)):
            doc_tokens, _ = split_context(context)
            if not question.strip() or not doc_tokens:
                raise TfnlpError(f"input {i + 1}: the question and the context must not be empty")
            examples.append(SquadExample(qas_id=str(i), question_text=question,
                                         context_text=context, doc_tokens=doc_tokens,
                                         answers=[]))
        return self._split(examples, labeled=False)

    def read_input_file(self, path):
        """Prediction input from a SQuAD JSON file (answers, if any, ignored).

        Args:
            path: SQuAD JSON file.

        Returns:
            A `TaskSplit`.
        """
        examples = read_squad(path, is_training=False,
                              version_2_with_negative=bool(self.version_2))
        return self._split(examples, labeled=False)

    def predictions(self, split, outputs):
        """One dict per question: `id`, `question`, `answer`, `probability`.

        Args:
            split: from `read_inputs` / `read_input_file`.
            outputs: dict with `start_logits`, `end_logits`.

        Returns:
            list of dict (v2.0 adds `null_score_diff`; "" answer = unanswerable).
        """
        decoded = self._decode(split, outputs)
        out = []
        for ex in split.extra["examples"]:
            best = decoded.nbest[ex.qas_id][0] if decoded.nbest.get(ex.qas_id) else {}
            row = {"id": ex.qas_id, "question": ex.question_text,
                   "answer": decoded.answers[ex.qas_id],
                   "probability": round(float(best.get("probability", 0.0)), 6)}
            if self.version_2:
                row["null_score_diff"] = float(decoded.null_score_diff[ex.qas_id])
            out.append(row)
        return out
