"""Learning byte-level BPE assets (`vocab.json` + `merges.txt`) from a corpus.

Learning uses HF `tokenizers`' BPE trainer with GPT-2's byte-level
pre-tokenizer (the same regex `tfnlp.text.bpe.pretokenize` runs in-graph)
and all 256 byte symbols as the initial alphabet, so any text tokenizes.
The files are written in GPT-2's format: `vocab.json` maps token -> id with
`<|endoftext|>` as the last id (as GPT-2's 50256), `merges.txt` starts with
`#version: 0.2` and lists one merge per line, in rank order. The runtime
tokenizer stays in-graph (`tfnlp.text.bpe.BytePairTokenizer`).

Example:

>>> folder = learn_bpe("corpus.txt", "out/tokenizer", vocab_size=8000)  # doctest: +SKIP
>>> sorted(os.listdir(folder))                                            # doctest: +SKIP
['merges.txt', 'vocab.json']
"""

import json
import os

from tfnlp.errors import TfnlpError
from tfnlp.io import atomic_write_text
from tfnlp.text.bpe import END_OF_TEXT, MERGES_FILE, VOCAB_FILE, bytes_to_unicode
from tfnlp.text.corpus import iter_lines


def learn_bpe(files, output_dir, vocab_size, max_lines=None, min_frequency=2):
    """Learns a byte-level BPE vocabulary and its merges from text files.

    Args:
        files: corpus path(s), as `tfnlp.text.corpus.expand_files` takes.
        output_dir: folder to write `vocab.json` and `merges.txt` into.
        vocab_size: total size including the 256 byte symbols and
            `<|endoftext|>`; at least 258. The trainer stops early when no
            pair occurs `min_frequency` times, so the result may be smaller.
        max_lines: learn from at most this many non-blank lines.
        min_frequency: least count of a pair to become a merge.

    Returns:
        str, `output_dir`.

    Raises:
        TfnlpError: a bad size, or a corpus without text.
    """
    if isinstance(vocab_size, bool) or not isinstance(vocab_size, int) or vocab_size < 258:
        raise TfnlpError(f"vocab_size must be an integer >= 258 (256 byte symbols, one "
                         f"merge and {END_OF_TEXT}), got {vocab_size!r}")
    if max_lines is not None and (not isinstance(max_lines, int) or max_lines < 1):
        raise TfnlpError(f"max_lines must be a positive integer, got {max_lines!r}")
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    lines = []
    for line in iter_lines(files):
        if line:
            lines.append(line)
            if max_lines and len(lines) >= max_lines:
                break
    if not lines:
        raise TfnlpError(f"{files}: the corpus has no text to learn BPE from")
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size - 1, min_frequency=min_frequency, show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), special_tokens=[])
    tokenizer.train_from_iterator(lines, trainer=trainer)
    model = json.loads(tokenizer.to_str())["model"]
    merges = [m if isinstance(m, str) else " ".join(m) for m in model["merges"]]
    return write_bpe_assets(output_dir, model["vocab"], merges)


def write_bpe_assets(output_dir, vocab, merges):
    """Writes `vocab.json` + `merges.txt` in GPT-2's format.

    The 256 byte symbols come first (in byte order), then the merged tokens
    in merge order, then `<|endoftext|>`; ids are renumbered to match.

    Args:
        output_dir: folder (created).
        vocab: iterable of tokens (dict token -> id accepted; ids ignored).
        merges: list of `"a b"` strings in rank order.

    Returns:
        str, `output_dir`.
    """
    tokens = list(bytes_to_unicode())
    seen = set(tokens)
    for merge in merges:
        token = merge.replace(" ", "", 1)
        if token not in seen:
            seen.add(token)
            tokens.append(token)
    for token in vocab:
        if token not in seen and token != END_OF_TEXT:
            seen.add(token)
            tokens.append(token)
    tokens.append(END_OF_TEXT)
    os.makedirs(output_dir, exist_ok=True)
    atomic_write_text(os.path.join(output_dir, VOCAB_FILE),
                      json.dumps({t: i for i, t in enumerate(tokens)}, ensure_ascii=False))
    atomic_write_text(os.path.join(output_dir, MERGES_FILE),
                      "#version: 0.2\n" + "".join(m + "\n" for m in merges))
    return output_dir
