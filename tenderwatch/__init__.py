"""tenderwatch: find, archive and flag public procurement of surveillance that targets
ethnic and religious groups, with the exact quoted evidence."""

__version__ = "0.1.0"
