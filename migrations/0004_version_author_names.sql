-- Who made each version, as people read it: the display name next to the stable id (the
-- token's `oid`, or an application's client id). NULL when the caller had no name (an
-- application, or authentication disabled).
ALTER TABLE data_product_versions ADD COLUMN created_by_name text;
