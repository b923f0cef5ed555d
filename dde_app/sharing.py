"""A playground setup as URL query parameters, so a link reopens the same setup.

``to_query`` writes a ``Setup`` as short text fields; ``read_query`` reads them back
through the table of settings (``settings.SETTINGS``): a value the controls do not
offer is snapped to the nearest one, a value that cannot be used keeps its default,
and every such change is described in ``LinkReading.notes`` so the app can say which
values of the link it changed or dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from dde_core.experiment import Config
from dde_core.settings import BY_KEY, SETTINGS, SIGMA_CHOICES, SIGMA_RANGE, snap

__all__ = [
    "Setup",
    "LinkReading",
    "VIEW_KEYS",
    "to_query",
    "view_params",
    "read_query",
    "from_query",
    "snap",
    "SIGMA_CHOICES",
    "SIGMA_RANGE",
]

MAX_NOTED_KEY = 40  # characters of an unknown parameter's name quoted back in a note
# Parameters about how the page is shown, not what it computes: Streamlit's embedding
# (``?embed=true``, ``embed_options``) and lecture mode. Kept in the URL, never noted.
VIEW_KEYS = ("embed", "embed_options", "lecture")


@dataclass(frozen=True)
class Setup:
    """What a shared link carries: the model's config and the animation speed."""

    config: Config = field(default_factory=Config)
    steps_per_frame: int = 30

    def value(self, name: str):
        """The value of the setting called ``name`` (see ``settings.SETTINGS``)."""
        if name == "width":
            return self.config.hidden[0]
        if name == "depth":
            return len(self.config.hidden)
        if name == "steps_per_frame":
            return self.steps_per_frame
        return getattr(self.config, name)

    @classmethod
    def from_values(cls, values: Mapping[str, object], base: Setup | None = None) -> Setup:
        """``base`` (default: the defaults) with the settings named in ``values`` changed."""
        base = base or cls()
        values = dict(values)
        width = values.pop("width", base.value("width"))
        depth = values.pop("depth", base.value("depth"))
        steps_per_frame = values.pop("steps_per_frame", base.steps_per_frame)
        config = replace(base.config, hidden=(int(width),) * int(depth), **values)
        return cls(config, int(steps_per_frame))


@dataclass(frozen=True)
class LinkReading:
    """A setup read from a link: ``dropped`` keys kept their defaults, ``notes`` say why
    and what was changed (person-readable, one per key)."""

    setup: Setup
    dropped: list[str]
    notes: list[str]


def to_query(setup: Setup) -> dict[str, str]:
    """Query parameters for ``setup`` (all strings, short keys)."""
    return {s.key: s.format(setup.value(s.field)) for s in SETTINGS}


def _quoted_key(key: str) -> str:
    """An unknown parameter's name as plain, short text (it may be anything a link holds)."""
    key = key if len(key) <= MAX_NOTED_KEY else key[:MAX_NOTED_KEY] + "…"
    return repr(key)


def view_params(params: Mapping[str, str]) -> dict[str, str]:
    """The parameters of ``params`` about how the page is shown (``VIEW_KEYS``), to keep in the URL."""
    return {key: str(params[key]) for key in VIEW_KEYS if key in params}


def read_query(params: Mapping[str, str]) -> LinkReading:
    """Read a setup from query parameters, noting every value changed or dropped."""
    defaults = Setup()
    values: dict[str, object] = {}
    dropped: list[str] = []
    notes: list[str] = []
    for key, text in params.items():
        if key in VIEW_KEYS:
            continue
        setting = BY_KEY.get(key)
        if setting is None:
            dropped.append(key)
            notes.append(f"{_quoted_key(key)} is not a setting of this page: ignored")
            continue
        try:
            values[setting.field], note = setting.parse(str(text))
        except ValueError as error:
            dropped.append(key)
            default = setting.format(defaults.value(setting.field))
            notes.append(f"{setting.label} ({key}): {error}; kept the default, {default}")
            continue
        if note:
            notes.append(f"{setting.label} ({key}): {note}")
    return LinkReading(Setup.from_values(values), dropped, notes)


def from_query(params: Mapping[str, str]) -> tuple[Setup, list[str]]:
    """The setup of a link and the keys that could not be used (see ``read_query``)."""
    reading = read_query(params)
    return reading.setup, reading.dropped
