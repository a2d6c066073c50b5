"""The `tfnlp` command: `tfnlp <command> --flag=value ...`.

Each command lives in its own module under `tfnlp/cli/` and is listed in
`COMMANDS` (name -> module). A command module provides:

- `SUMMARY`: one line for `tfnlp --help`;
- `define_flags(flag_values)`: defines its absl flags on `flag_values`;
- `run(flags)`: does the work; returns an exit code (0) and prints its
  result (the last stdout line is JSON, for scripts);
- optionally `POSITIONAL`: the flag that positional words fill;
- `RANGES`: flag name -> interval (`"[1, inf)"`) for every numeric flag,
  checked when the line is parsed (`flag_utils.declare_ranges`).

Adding a command = adding a module and one line to `COMMANDS`; commands
whose module is not present yet are left out of the help.

Errors: a `TfnlpError` (bad input), a flag error (a value outside its
`RANGES`) or a file-system error prints one line,
`tfnlp <command>: error: <message>`, on stderr and exits with code 2.

Example:

    tfnlp vocab --input=corpus.txt --vocab_size=8000 --output=vocab.txt
    tfnlp pretrain --input=corpus.txt --vocab=vocab.txt --steps=1000 --model_dir=run
    tfnlp export --model_dir=run --output=hub --with_mlm
    tfnlp pretrain --help
"""

import importlib
import importlib.util
import os
import sys

# Before TensorFlow is imported anywhere: quiet C++ logs, Keras on TF.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from absl import flags  # noqa: E402

from tfnlp.cli.flag_utils import declare_ranges  # noqa: E402
from tfnlp.errors import TfnlpError  # noqa: E402

COMMANDS = {
    "vocab": "tfnlp.cli.vocab_command",
    "pretrain": "tfnlp.cli.pretrain_command",
    "export": "tfnlp.cli.export_command",
    "import_checkpoint": "tfnlp.cli.import_checkpoint_command",
    "quickstart": "tfnlp.cli.quickstart_command",
    "finetune": "tfnlp.cli.finetune_command",
    "evaluate": "tfnlp.cli.evaluate_command",
    "predict": "tfnlp.cli.predict_command",
    "distill": "tfnlp.cli.distill_command",
    "generate": "tfnlp.cli.generate_command",
    "score": "tfnlp.cli.score_command",
    "word2vec": "tfnlp.cli.word2vec_command",
    "glove": "tfnlp.cli.glove_command",
    "evaluate_embeddings": "tfnlp.cli.evaluate_embeddings_command",
    "analogy": "tfnlp.cli.analogy_command",
    "plot_embeddings": "tfnlp.cli.plot_embeddings_command",
}
EXIT_USAGE = 2


def available_commands():
    """Returns the `COMMANDS` entries whose module exists, in order.

    Returns:
        dict of command name -> module name.
    """
    return {name: module for name, module in COMMANDS.items()
            if importlib.util.find_spec(module) is not None}


def _usage():
    lines = ["usage: tfnlp <command> [--flag=value ...]", "", "commands:"]
    for name, module_name in available_commands().items():
        module = importlib.import_module(module_name)
        lines.append(f"  {name:<18} {getattr(module, 'SUMMARY', '')}")
    lines.append("")
    lines.append("`tfnlp <command> --help` lists the command's flags.")
    return "\n".join(lines)


def import_tensorflow_quietly():
    """Imports TensorFlow with its start-up noise filtered out.

    On a machine without a GPU, TF's native code prints CUDA-probe and absl
    lines ("Could not find cuda drivers", "oneDNN custom operations are
    on", "All log messages before absl::InitializeLog()") straight to file
    descriptor 2 while it loads; no environment setting silences all of
    them. They are held back during the import, and any line that is not
    such a notice is written out afterwards, so real warnings still show.
    """
    if "tensorflow" in sys.modules:
        return
    import tempfile

    noise = ("cuda", "oneDNN", "absl::InitializeLog", "cpu_feature_guard",
             "This TensorFlow binary is optimized", "rebuild TensorFlow",
             "To enable the following instructions", "cuInit")
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        try:
            import tensorflow

            # Device discovery (the CUDA probe) prints too: do it now.
            tensorflow.config.list_physical_devices()
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            held.seek(0)
            for line in held.read().decode("utf-8", "replace").splitlines():
                if line.strip() and not any(n in line for n in noise):
                    print(line, file=sys.stderr)


def _valid_text(arg):
    """A command-line word with undecodable bytes (surrogate escapes) as U+FFFD."""
    if not isinstance(arg, str):
        return arg
    try:
        raw = arg.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # other lone surrogates
        raw = arg.encode("utf-8", "surrogatepass")
    return raw.decode("utf-8", "replace")


def _error(command, message):
    message = " ".join(str(message).split())  # one line
    print(f"tfnlp {command}: error: {message}", file=sys.stderr, flush=True)
    return EXIT_USAGE


def main(argv=None):
    """Runs one `tfnlp` command line.

    Args:
        argv: list of str, like `sys.argv` (program name first).

    Returns:
        int exit code: 0 on success, 2 for bad input or usage.

    Example:

    >>> main(["tfnlp", "vocab", "--help"])   # doctest: +SKIP
    0
    """
    argv = list(sys.argv if argv is None else argv)
    # Bytes that are not UTF-8 arrive as surrogate escapes: U+FFFD, as
    # everywhere in tfnlp (`tfnlp.text.tokenizer.valid_utf8`).
    args = [_valid_text(a) for a in argv[1:]]
    if not args or args[0] in ("-h", "--help", "help", "--helpfull"):
        print(_usage())
        return 0 if args else EXIT_USAGE
    name = args[0]
    commands = available_commands()
    if name not in commands:
        return _error(name, f"unknown command; choose one of: {', '.join(commands)}")
    module = importlib.import_module(commands[name])
    flag_values = flags.FlagValues()
    module.define_flags(flag_values)
    declare_ranges(flag_values, getattr(module, "RANGES", {}))
    if any(a in ("-h", "--help", "--helpshort", "--helpfull") for a in args[1:]):
        print(f"usage: tfnlp {name} [--flag=value ...]\n\n{module.SUMMARY}\n")
        print(flag_values.get_help())
        return 0
    try:
        extra = flag_values([f"tfnlp {name}"] + args[1:])
    except flags.Error as error:
        return _error(name, error)
    if len(extra) > 1:
        # A command may take its main value positionally (`tfnlp analogy
        # "king - man + woman"`): it names the flag in `POSITIONAL`.
        positional = getattr(module, "POSITIONAL", None)
        if positional is None:
            return _error(name, f"unexpected arguments {extra[1:]}; flags are --name=value")
        if flag_values[positional].present:
            return _error(name, f"give --{positional} or a positional value, not both")
        flag_values[positional].value = " ".join(extra[1:])
    try:
        import_tensorflow_quietly()
        return int(module.run(flag_values) or 0)
    except TfnlpError as error:
        return _error(name, error)
    except OSError as error:
        # A file-system error no check foresaw: still one line naming the file.
        where = error.filename if error.filename is not None else ""
        return _error(name, f"{where}: {error.strerror or error}" if where
                      else f"{type(error).__name__}: {error}")
    except KeyboardInterrupt:
        return _error(name, "interrupted")


def run():
    """Console entry point (`tfnlp` in setup.py): exits with `main`'s code."""
    sys.exit(main(sys.argv))


if __name__ == "__main__":
    run()
