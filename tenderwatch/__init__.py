"""tenderwatch: find, archive and flag public procurement of surveillance that targets
ethnic and religious groups, with the exact quoted evidence."""

from ._native import guard

__version__ = "0.1.0"

# Before any submodule is imported: a compiled module whose source changed since it was
# built is imported from the source (see _native).
guard()
