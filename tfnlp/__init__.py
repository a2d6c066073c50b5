"""tfnlp: NLP transfer learning on TensorFlow and Keras 3.

Pretrain a BERT-family encoder on raw text, export it as TF-Hub modules, and
fine-tune it (ULMFiT-style) for classification, NER and extractive QA.
"""

__version__ = "0.1.0"

from tfnlp.errors import TfnlpError  # noqa: F401
