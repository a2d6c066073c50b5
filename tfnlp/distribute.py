"""One strategy resolver for TPU, GPUs, multi-worker and CPU training.

Keras 3 `model.fit` on the TensorFlow backend runs data-parallel under the
strategy whose `scope()` the model *and* its optimizer were created (or
compiled) in:

>>> strategy = resolve_strategy("auto")
>>> with strategy.scope():
...     model = build_model()
...     model.compile(optimizer=Lamb(), loss="mse")
>>> model.fit(dataset)  # dataset batches are *global* batches
"""

import glob
import json
import os

import tensorflow as tf

from tfnlp.errors import TfnlpError

STRATEGY_NAMES = ("auto", "cpu", "gpu", "mirrored", "tpu", "multi_worker")


def configure_logical_cpus(n):
    """Splits the physical CPU into `n` logical devices, for data parallelism.

    Must run before TensorFlow initialises its devices (before the first op,
    `list_logical_devices` or strategy); afterwards `resolve_strategy("cpu")`
    mirrors over the `n` devices. Meant for tests and CPU experiments.

    Args:
        n: int >= 1. Number of logical CPU devices.

    Returns:
        list of the logical CPU device names, e.g. `["/device:CPU:0", ...]`.

    Example:

    >>> configure_logical_cpus(2)
    >>> resolve_strategy("cpu").num_replicas_in_sync
    2
    """
    n = int(n)
    if n < 1:
        raise TfnlpError(f"configure_logical_cpus: n={n} must be >= 1.")
    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(n)]
        )
    except RuntimeError as error:
        have = tf.config.list_logical_devices("CPU")
        if len(have) != n:
            raise TfnlpError(
                f"configure_logical_cpus({n}): TensorFlow is already "
                f"initialised with {len(have)} logical CPU(s); call it at the "
                "start of the program, before any TensorFlow op."
            ) from error
    return [d.name for d in tf.config.list_logical_devices("CPU")]


def resolve_strategy(name="auto", tpu_address=None):
    """Returns the `tf.distribute.Strategy` named by `name`.

    - `"auto"`: a TPU if one is found (only looked for when `tpu_address`,
      `TPU_NAME`, `COLAB_TPU_ADDR` or a local `/dev/accel*` hints at one, so
      it never waits on a metadata server), else `MirroredStrategy` over
      GPUs if more than one, `OneDeviceStrategy` if one, else as `"cpu"`.
    - `"cpu"`: `MirroredStrategy` over the logical CPUs if
      `configure_logical_cpus(n > 1)` made several, else
      `OneDeviceStrategy("/cpu:0")`.
    - `"gpu"`: one or several GPUs; an error if there is none.
    - `"mirrored"`: `MirroredStrategy` over all GPUs, or over the logical
      CPUs when there is no GPU.
    - `"tpu"`: `TPUStrategy` after connecting and initialising the TPU.
    - `"multi_worker"`: `MultiWorkerMirroredStrategy` (our
      `KerasMultiWorkerMirroredStrategy`, which Keras 3 `model.fit` can
      use), cluster from the `TF_CONFIG` environment variable. Call it
      first thing in the program, before any TensorFlow op runs.

    Args:
        name: one of `"auto"`, `"cpu"`, `"gpu"`, `"mirrored"`, `"tpu"`,
            `"multi_worker"`.
        tpu_address: optional TPU name or `grpc://host:port` address.

    Returns:
        A `tf.distribute.Strategy`.

    Example:

    >>> strategy = resolve_strategy("cpu")
    >>> with strategy.scope():
    ...     model = build_model()
    """
    key = str(name).lower()
    if key not in STRATEGY_NAMES:
        raise TfnlpError(
            f"Unknown distribution strategy {name!r}: choose one of "
            f"{', '.join(STRATEGY_NAMES)}."
        )
    if key == "auto":
        if _tpu_hint(tpu_address) is not None:
            try:
                return _tpu_strategy(tpu_address)
            except TfnlpError:
                pass
        if tf.config.list_physical_devices("GPU"):
            return _gpu_strategy()
        return _cpu_strategy()
    if key == "cpu":
        return _cpu_strategy()
    if key == "gpu":
        return _gpu_strategy()
    if key == "mirrored":
        gpus = tf.config.list_logical_devices("GPU")
        devices = gpus or tf.config.list_logical_devices("CPU")
        return tf.distribute.MirroredStrategy(devices=[d.name for d in devices])
    if key == "tpu":
        return _tpu_strategy(tpu_address)
    return _multi_worker_strategy()


def parse_tf_config(environ=None):
    """Reads and checks the `TF_CONFIG` environment variable.

    Args:
        environ: mapping to read from; defaults to `os.environ`.

    Returns:
        dict with `cluster` (job name -> list of `host:port`) and `task`
        (`type`, `index`).

    Example:

    >>> parse_tf_config({"TF_CONFIG": '{"cluster": {"worker": ["a:1"]}, '
    ...                  '"task": {"type": "worker", "index": 0}}'})["task"]
    {'type': 'worker', 'index': 0}
    """
    environ = os.environ if environ is None else environ
    raw = environ.get("TF_CONFIG")
    example = (
        'TF_CONFIG=\'{"cluster": {"worker": ["host1:port", "host2:port"]}, '
        '"task": {"type": "worker", "index": 0}}\''
    )
    if not raw:
        raise TfnlpError(
            f"Strategy 'multi_worker' needs the TF_CONFIG environment "
            f"variable, e.g. {example}"
        )
    try:
        config = json.loads(raw)
    except ValueError as error:
        raise TfnlpError(
            f"TF_CONFIG is not valid JSON ({error}); expected e.g. {example}"
        ) from error
    cluster = config.get("cluster") if isinstance(config, dict) else None
    task = config.get("task") if isinstance(config, dict) else None
    if not isinstance(cluster, dict) or not cluster:
        raise TfnlpError(f"TF_CONFIG has no 'cluster' dict; expected e.g. {example}")
    for job, addresses in cluster.items():
        if not isinstance(addresses, list) or not all(
            isinstance(a, str) and ":" in a for a in addresses
        ):
            raise TfnlpError(
                f"TF_CONFIG cluster[{job!r}] must be a list of 'host:port' "
                f"strings, got {addresses!r}."
            )
    if "worker" not in cluster and "chief" not in cluster:
        raise TfnlpError("TF_CONFIG cluster needs a 'worker' (or 'chief') job.")
    if not isinstance(task, dict) or "type" not in task or "index" not in task:
        raise TfnlpError(
            f"TF_CONFIG needs 'task': {{'type': ..., 'index': ...}}; "
            f"expected e.g. {example}"
        )
    job, index = task["type"], task["index"]
    if job not in cluster or not isinstance(index, int) or not (
        0 <= index < len(cluster[job])
    ):
        raise TfnlpError(
            f"TF_CONFIG task {task!r} does not name a member of the cluster "
            f"{cluster!r}."
        )
    return config


def _cpu_strategy():
    cpus = tf.config.list_logical_devices("CPU")
    if len(cpus) > 1:
        return tf.distribute.MirroredStrategy(devices=[d.name for d in cpus])
    return tf.distribute.OneDeviceStrategy("/cpu:0")


def _gpu_strategy():
    gpus = tf.config.list_logical_devices("GPU")
    if not gpus:
        raise TfnlpError(
            "Strategy 'gpu' was asked for but TensorFlow sees no GPU "
            "(tf.config.list_physical_devices('GPU') is empty); use 'cpu' or "
            "'auto', or install a CUDA-enabled TensorFlow."
        )
    if len(gpus) == 1:
        return tf.distribute.OneDeviceStrategy(gpus[0].name)
    return tf.distribute.MirroredStrategy(devices=[d.name for d in gpus])


def _tpu_hint(tpu_address):
    if tpu_address:
        return tpu_address
    if os.environ.get("TPU_NAME"):
        return os.environ["TPU_NAME"]
    if os.environ.get("COLAB_TPU_ADDR"):
        return "grpc://" + os.environ["COLAB_TPU_ADDR"]
    if glob.glob("/dev/accel*") or glob.glob("/dev/vfio/[0-9]*"):
        return "local"
    return None


def _tpu_strategy(tpu_address):
    hint = _tpu_hint(tpu_address)
    if hint is None:
        raise TfnlpError(
            "Strategy 'tpu': no TPU found. Pass tpu_address (a TPU name or "
            "grpc://host:port), or set TPU_NAME; on a TPU VM use 'local'."
        )
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=hint)
        if hint != "local":
            tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        return tf.distribute.TPUStrategy(resolver)
    except (ValueError, RuntimeError, tf.errors.OpError) as error:
        raise TfnlpError(
            f"Strategy 'tpu': could not connect to TPU {hint!r}: {error}"
        ) from error


class KerasMultiWorkerMirroredStrategy(tf.distribute.MultiWorkerMirroredStrategy):
    """`MultiWorkerMirroredStrategy` whose `reduce` copes with Keras 3's calls.

    Keras 3 (3.15, TF backend) `model.fit` under a plain
    `MultiWorkerMirroredStrategy` with more than one worker fails twice:

    1. `Trainer._maybe_symbolic_build` calls
       `strategy.reduce("MEAN", first_batch, axis=None)` on the whole
       `(x, y)` *tuple*; `Strategy.reduce` does not take nests (TF's own
       TODO) and, across workers, raises "Attempt to convert a value
       (PerReplica...) with an unsupported type".
    2. `reduce_per_replica(..., "mean")` calls
       `strategy.reduce("MEAN", loss, axis=0)` on scalar per-replica metric
       values and raises "Invalid reduction dimension 0 for input with 0
       dimensions".

    (keras-team/keras#20585 tracks MWMS + Keras 3.) This subclass reduces a
    nest leaf by leaf, and treats `axis` as `None` for scalar values (for a
    scalar, reducing "along the batch" and across replicas are the same).
    Everything else is TensorFlow's strategy, unchanged, so `model.fit`
    trains data-parallel across workers.

    Args:
        cluster_resolver: optional cluster resolver; default reads TF_CONFIG.
        communication_options: optional
            `tf.distribute.experimental.CommunicationOptions`.

    Returns:
        A `tf.distribute.MultiWorkerMirroredStrategy`.

    Example:

    >>> strategy = KerasMultiWorkerMirroredStrategy()  # TF_CONFIG set
    >>> with strategy.scope():
    ...     model = build_model(); model.compile(optimizer="adam", loss="mse")
    >>> model.fit(dataset, steps_per_epoch=10)
    """

    def reduce(self, reduce_op, value, axis):
        """`Strategy.reduce`, extended to nests and scalar values with an axis.

        Args:
            reduce_op: `"SUM"`, `"MEAN"` or a `tf.distribute.ReduceOp`.
            value: a `DistributedValues`, a tensor, or a nest of them.
            axis: the batch axis to reduce too, or None.

        Returns:
            A tensor, or the same nest of tensors.

        Example:

        >>> strategy.reduce("MEAN", per_replica_loss, axis=None)
        """
        if not isinstance(value, tf.distribute.DistributedValues) and (
            tf.nest.is_nested(value)
        ):
            return tf.nest.map_structure(
                lambda v: self.reduce(reduce_op, v, axis), value
            )
        if axis is not None:
            local = self.experimental_local_results(value)
            if local and getattr(local[0], "shape", None) is not None and (
                local[0].shape.rank == 0
            ):
                axis = None
        return super().reduce(reduce_op, value, axis)


def _multi_worker_strategy():
    parse_tf_config()
    try:
        return KerasMultiWorkerMirroredStrategy()
    except RuntimeError as error:
        raise TfnlpError(
            "Strategy 'multi_worker' must be created at program start, before "
            "any TensorFlow op runs (TensorFlow configures its collective ops "
            f"then): {error}"
        ) from error
