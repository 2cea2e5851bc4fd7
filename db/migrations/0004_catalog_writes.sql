-- Catalog writes: updated_at follows every change to a book, author or series row, whoever makes
-- it (the admin API, an import, a future module, an operator with psql), so caches and clients
-- comparing it can trust it. Changes that only touch a book's link tables (authors, series,
-- genres) are recorded by the writer touching the book row, which fires the same trigger.

CREATE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END
$$;

CREATE TRIGGER books_set_updated_at BEFORE UPDATE ON books
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER authors_set_updated_at BEFORE UPDATE ON authors
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER series_set_updated_at BEFORE UPDATE ON series
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();
