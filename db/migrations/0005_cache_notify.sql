-- Cache invalidation for writes made outside the API (psql, imports, other services): after
-- each statement that changes a cached table, one pg_notify on 'victoria_cache' names the table
-- and the distinct key values that changed. Every Victoria instance LISTENs and drops the
-- matching cache tags (src/cache/db-invalidation.ts).
--
-- Statement-level triggers with transition tables: a 10,000-row import sends one message, not
-- 10,000. Past 200 distinct values per column the message just says "all" (a payload must stay
-- under 8,000 bytes), and instances drop the whole catalog category.

CREATE FUNCTION victoria_notify_cache() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  source text;
  col text;
  vals jsonb;
  changed jsonb := '{}'::jsonb;
  too_many boolean := false;
BEGIN
  source := CASE TG_OP
    WHEN 'INSERT' THEN 'SELECT * FROM new_rows'
    WHEN 'DELETE' THEN 'SELECT * FROM old_rows'
    ELSE 'SELECT * FROM old_rows UNION ALL SELECT * FROM new_rows'
  END;
  FOREACH col IN ARRAY TG_ARGV LOOP
    EXECUTE format('SELECT jsonb_agg(DISTINCT v) FROM (SELECT %I AS v FROM (%s) r LIMIT 100000) d', col, source)
      INTO vals;
    IF vals IS NULL THEN
      RETURN NULL; -- the statement changed no rows
    END IF;
    IF jsonb_array_length(vals) > 200 THEN
      too_many := true;
    END IF;
    changed := changed || jsonb_build_object(col, vals);
  END LOOP;
  IF too_many THEN
    PERFORM pg_notify('victoria_cache', jsonb_build_object('t', TG_TABLE_NAME, 'all', true)::text);
  ELSE
    PERFORM pg_notify('victoria_cache', jsonb_build_object('t', TG_TABLE_NAME, 'c', changed)::text);
  END IF;
  RETURN NULL;
END
$$;

-- One trigger per table and event: a transition table belongs to a single event.
DO $$
DECLARE
  target record;
  args text;
BEGIN
  FOR target IN
    SELECT * FROM (VALUES
      ('books', 'id'),
      ('authors', 'id'),
      ('series', 'id'),
      ('genres', 'id'),
      ('book_authors', 'book_id, author_id'),
      ('book_series', 'book_id, series_id'),
      ('book_genres', 'book_id, genre_id')
    ) AS t(tbl, cols)
  LOOP
    -- trigger arguments are string literals: 'book_id', 'author_id'
    SELECT string_agg(quote_literal(btrim(c)), ', ') INTO args
    FROM unnest(string_to_array(target.cols, ',')) AS c;
    EXECUTE format(
      'CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows
       FOR EACH STATEMENT EXECUTE FUNCTION victoria_notify_cache(%s)',
      target.tbl || '_cache_insert', target.tbl, args);
    EXECUTE format(
      'CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
       FOR EACH STATEMENT EXECUTE FUNCTION victoria_notify_cache(%s)',
      target.tbl || '_cache_update', target.tbl, args);
    EXECUTE format(
      'CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows
       FOR EACH STATEMENT EXECUTE FUNCTION victoria_notify_cache(%s)',
      target.tbl || '_cache_delete', target.tbl, args);
  END LOOP;
END
$$;
