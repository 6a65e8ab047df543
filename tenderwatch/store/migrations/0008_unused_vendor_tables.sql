-- Imported vendor lists stay files under DATA_DIR/vendors/imports/ (tenderwatch.vendors.catalog):
-- the two tables 0004 made for them were never written or read. Portable SQL.

DROP TABLE vendor_entities;
DROP TABLE vendor_imports;
