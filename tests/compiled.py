"""How often the engine's shared compiled functions were traced (for tests that a new model
or a new chunk reuses them instead of tracing anew)."""

from dde_core import denoising


def compiled_traces(model, kind: str) -> int:
    """Traces of the shared compiled functions of ``kind`` ("train" or "evaluate") for
    ``model``'s architecture (and, for training, its batch size), all together."""
    return sum(
        compiled.experimental_get_tracing_count()
        for key, compiled in denoising._shared_objects.items()
        if key[0] == kind and key[1] == model._architecture() and (kind != "train" or key[2] == int(model.batch_size))
    )
