"""The analysts' workbench: entering, reviewing, publishing and retracting incidents.

One module per part of the admin: reference data (places, actors, sources, taxonomy), the
incident form and its inline rows, and the import runs.
"""

from . import imports, incident, reference  # noqa: F401 -- each registers its admin classes
