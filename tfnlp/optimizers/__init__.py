"""tfnlp.optimizers: LAMB, AdamW with path-based exclusions, warmup schedules.

Example:

>>> from tfnlp.optimizers import create_optimizer
>>> optimizer = create_optimizer("lamb", 1e-3, total_steps=1000, warmup_steps=100)
"""

from tfnlp.optimizers.adamw import AdamW  # noqa: F401
from tfnlp.optimizers.exclusion import DEFAULT_EXCLUDE_PATTERNS  # noqa: F401
from tfnlp.optimizers.factory import create_optimizer  # noqa: F401
from tfnlp.optimizers.lamb import Lamb  # noqa: F401
from tfnlp.optimizers.schedules import WarmupPolynomialDecay  # noqa: F401
