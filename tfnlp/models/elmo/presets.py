"""ELMo architectures (Peters et al. 2018; AllenNLP's released sizes).

Each preset is `ElmoBackbone` constructor arguments (no vocabulary: the
backbone reads characters; the word vocabulary only sizes the softmax).

- `elmo_tiny`: for tests (LSTM 64 -> 32, four small filter banks).
- `elmo_small`: AllenNLP's `elmo_2x1024_128_2048cnn_1xhighway` (LSTM
  1024 -> 128, ELMo's 2048 filters, one highway layer).
- `elmo_original`: `elmo_2x4096_512_2048cnn_2xhighway` (LSTM 4096 -> 512,
  filters (1,32) (2,32) (3,64) (4,128) (5,256) (6,512) (7,1024)).

Example:

>>> PRESETS["elmo_original"]["lstm_dim"], PRESETS["elmo_original"]["projection_dim"]
(4096, 512)
"""

ELMO_FILTERS = [[1, 32], [2, 32], [3, 64], [4, 128], [5, 256], [6, 512], [7, 1024]]

_COMMON = {
    "char_dim": 16,
    "num_layers": 2,
    "cell_clip": 3.0,
    "proj_clip": 3.0,
    "dropout": 0.1,
    "activation": "relu",
    "max_chars_per_word": 50,
}

PRESETS = {
    "elmo_tiny": dict(_COMMON, filters=[[1, 8], [2, 8], [3, 16], [4, 16]],
                      num_highway_layers=2, projection_dim=32, lstm_dim=64),
    "elmo_small": dict(_COMMON, filters=ELMO_FILTERS, num_highway_layers=1,
                       projection_dim=128, lstm_dim=1024),
    "elmo_original": dict(_COMMON, filters=ELMO_FILTERS, num_highway_layers=2,
                          projection_dim=512, lstm_dim=4096),
}
