"""The formats `import_events` and the admin's import page offer."""

from .acled import AcledImporter
from .gtd import GtdImporter
from .ucdp import UcdpImporter

IMPORTERS = {
    importer.format_name: importer for importer in (UcdpImporter, AcledImporter, GtdImporter)
}
