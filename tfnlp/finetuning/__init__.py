"""tfnlp.finetuning: ULMFiT for Transformers on Keras 3.

Discriminative learning rates per variable group (`DiscriminativeAdamW`,
...), slanted triangular learning rates (`SlantedTriangularLR`) and gradual
unfreezing (`GradualUnfreezing`), over the groups of `group_variables`
(embeddings, `transformer_layer_{i}`, head). `ulmfit_optimizer` /
`finetuning_setup` build all of it in one call.

Example:

>>> from tfnlp.finetuning import finetuning_setup
>>> setup = finetuning_setup("ulmfit", model, lr_max=1e-4, total_steps=3000)
>>> model.compile(optimizer=setup.optimizer, loss=loss)
>>> model.fit(train, epochs=3, callbacks=setup.callbacks)
"""

from tfnlp.finetuning.discriminative import (  # noqa: F401
    DiscriminativeAdam,
    DiscriminativeAdamW,
    DiscriminativeOptimizer,
    DiscriminativeSGD,
    discriminative_class,
)
from tfnlp.finetuning.gradual_unfreezing import (  # noqa: F401
    GradualUnfreezing,
    find_discriminative_optimizer,
)
from tfnlp.finetuning.slanted_triangular import SlantedTriangularLR  # noqa: F401
from tfnlp.finetuning.ulmfit import (  # noqa: F401
    FinetuneSetup,
    finetuning_setup,
    linear_optimizer,
    ulmfit_optimizer,
)
from tfnlp.finetuning.variable_groups import (  # noqa: F401
    group_variables,
    groups_from_layers,
    layer_index,
    variable_group,
)
