-- Search: one weighted document per book, kept current by statement-level triggers, and the
-- trigram indexes behind typo tolerance and as-you-type suggestions (src/modules/search).

CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Functions that indexes use name what they call by schema: index builds and ANALYZE run with
-- search_path = pg_catalog on PostgreSQL 17+ (PGlite is 18).
-- unaccent() is only STABLE (it reads a dictionary found through search_path); naming the
-- dictionary makes the result depend on its argument alone, so indexes may use it.
CREATE FUNCTION immutable_unaccent(text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT public.unaccent('public.unaccent'::regdictionary, $1)
$$;

-- The one normalization applied to documents and queries alike: accents dropped, lower case,
-- typographic apostrophes made plain, and runs of single-letter initials joined, so that
-- "J.R.R. Tolkien", "J. R. R. Tolkien", "J R R Tolkien" and "JRR Tolkien" all read "jrr tolkien".
CREATE FUNCTION search_fold(text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT regexp_replace(
    translate(lower(public.immutable_unaccent($1)), '’‘`´', ''''''''''),
    '\m([a-z])(\.\s*|\s+)(?=[a-z](\.|\M))', '\1', 'g')
$$;

-- Both configurations in one vector: `english` stems ("wizards" finds "wizard"), `simple` keeps
-- every word, so titles made of stop words ("It", "There There", "Me Before You") are found.
CREATE FUNCTION search_vector(text, "char") RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN $1 IS NULL OR $1 = '' THEN ''::tsvector ELSE
    setweight(to_tsvector('simple'::regconfig, public.search_fold($1)), $2)
    || setweight(to_tsvector('english'::regconfig, public.search_fold($1)), $2) END
$$;

-- The matching query for what a reader typed (websearch syntax: "phrase", -word, OR), in both
-- configurations. May be empty (only punctuation or operators): callers check numnode().
CREATE FUNCTION search_query(text) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT websearch_to_tsquery('simple'::regconfig, public.search_fold($1))
    || websearch_to_tsquery('english'::regconfig, public.search_fold($1))
$$;

-- Highlighting runs on the stored text as written (accents kept): these configurations fold
-- accents while parsing, so "Misérables" is marked for the query "miserables".
CREATE TEXT SEARCH CONFIGURATION search_simple (COPY = simple);
ALTER TEXT SEARCH CONFIGURATION search_simple
  ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;
CREATE TEXT SEARCH CONFIGURATION search_english (COPY = english);
ALTER TEXT SEARCH CONFIGURATION search_english
  ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;

-- The text with matched words between chr(2) and chr(3) (the API escapes the text and turns
-- them into <mark>): the words as typed first, else their stems ("wizards" marks "Wizard").
CREATE FUNCTION search_headline(body text, query tsquery, options text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN strpos(h, chr(2)) > 0 THEN h
    ELSE ts_headline('search_english'::regconfig, body, query,
                     options || ', StartSel=' || chr(2) || ', StopSel=' || chr(3)) END
  FROM (SELECT ts_headline('search_simple'::regconfig, body, query,
                           options || ', StartSel=' || chr(2) || ', StopSel=' || chr(3)) AS h) x
$$;

CREATE TABLE book_search (
  book_id      integer PRIMARY KEY REFERENCES books (id) ON DELETE CASCADE,
  -- A title, B series and authors, C subtitle and description, D genres (the readers' shelves)
  document     tsvector NOT NULL,
  -- folded title: exact-title boost, trigram typo tolerance and suggestions
  title_key    text NOT NULL,
  authors_text text NOT NULL DEFAULT '',
  series_text  text NOT NULL DEFAULT '',
  genres_text  text NOT NULL DEFAULT ''
);

CREATE INDEX book_search_document_idx ON book_search USING gin (document);
CREATE INDEX book_search_title_trgm_idx ON book_search USING gin (title_key gin_trgm_ops);
-- short as-you-type prefixes (under three letters have no trigram to look up)
CREATE INDEX book_search_title_prefix_idx ON book_search (title_key text_pattern_ops);
CREATE INDEX authors_name_trgm_idx ON authors USING gin (search_fold(name) gin_trgm_ops);
CREATE INDEX authors_name_prefix_idx ON authors (search_fold(name) text_pattern_ops);
CREATE INDEX series_name_trgm_idx ON series USING gin (search_fold(name) gin_trgm_ops);
CREATE INDEX series_name_prefix_idx ON series (search_fold(name) text_pattern_ops);

-- Recomputes the documents of these books in one statement (books that no longer exist are
-- skipped; their row went with them through the foreign key).
CREATE FUNCTION search_refresh(ids integer[]) RETURNS void
LANGUAGE sql AS $$
  -- Set-wise aggregates joined by hash, not a lateral subquery per book: during an import the
  -- tables have no statistics yet, and a per-book plan chosen on guesses took seconds.
  WITH au AS (
    SELECT ba.book_id, string_agg(a.name, ', ' ORDER BY ba.position) AS names
    FROM book_authors ba JOIN authors a ON a.id = ba.author_id
    WHERE ba.book_id = ANY(ids) GROUP BY ba.book_id
  ), se AS (
    SELECT bs.book_id, string_agg(sr.name, ', ' ORDER BY sr.name) AS names
    FROM book_series bs JOIN series sr ON sr.id = bs.series_id
    WHERE bs.book_id = ANY(ids) GROUP BY bs.book_id
  ), ge AS (
    SELECT bg.book_id, string_agg(g.name, ', ' ORDER BY bg.weight DESC, g.id) AS names
    FROM book_genres bg JOIN genres g ON g.id = bg.genre_id
    WHERE bg.book_id = ANY(ids) GROUP BY bg.book_id
  )
  INSERT INTO book_search AS s (book_id, document, title_key, authors_text, series_text, genres_text)
  SELECT b.id,
    search_vector(b.title, 'A') || search_vector(se.names, 'B') || search_vector(au.names, 'B')
      || search_vector(b.subtitle, 'C') || search_vector(b.description, 'C')
      || search_vector(ge.names, 'D'),
    search_fold(b.title), coalesce(au.names, ''), coalesce(se.names, ''), coalesce(ge.names, '')
  FROM books b
  LEFT JOIN au ON au.book_id = b.id
  LEFT JOIN se ON se.book_id = b.id
  LEFT JOIN ge ON ge.book_id = b.id
  WHERE b.id = ANY(ids)
  ON CONFLICT (book_id) DO UPDATE SET
    document = excluded.document, title_key = excluded.title_key,
    authors_text = excluded.authors_text, series_text = excluded.series_text,
    genres_text = excluded.genres_text
$$;

-- A write marks the books whose documents it changed; the documents are recomputed once, when
-- the transaction commits, in one statement. Marks come from statement-level triggers with
-- transition tables (as in 0005_cache_notify.sql), and one deferred constraint trigger per
-- transaction does the work: the goodbooks import (books, then their authors, series and genres
-- in separate statements) computes each document once instead of four times.
-- Rows are keyed by transaction, so concurrent writers never wait on each other's marks.
CREATE UNLOGGED TABLE search_dirty (
  txid    bigint NOT NULL,
  book_id integer NOT NULL,
  PRIMARY KEY (txid, book_id)
);
CREATE UNLOGGED TABLE search_pending (
  txid bigint PRIMARY KEY
);

CREATE FUNCTION search_mark(ids integer[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF cardinality(ids) = 0 THEN
    RETURN;
  END IF;
  INSERT INTO search_dirty (txid, book_id)
  SELECT txid_current(), id FROM unnest(ids) AS id
  ON CONFLICT DO NOTHING;
  INSERT INTO search_pending (txid) VALUES (txid_current()) ON CONFLICT DO NOTHING;
END
$$;

CREATE FUNCTION search_flush() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  ids integer[];
BEGIN
  WITH done AS (DELETE FROM search_dirty WHERE txid = NEW.txid RETURNING book_id)
  SELECT coalesce(array_agg(book_id), '{}') INTO ids FROM done;
  PERFORM search_refresh(ids);
  DELETE FROM search_pending WHERE txid = NEW.txid;
  RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER search_pending_flush AFTER INSERT ON search_pending
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION search_flush();

CREATE FUNCTION search_books_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM search_mark(ARRAY(SELECT id FROM new_rows));
  ELSE
    -- rating and price updates (every review) leave the document alone
    PERFORM search_mark(ARRAY(
      SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
      WHERE (n.title, n.subtitle, n.description) IS DISTINCT FROM (o.title, o.subtitle, o.description)));
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER books_search_insert AFTER INSERT ON books REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION search_books_changed();
CREATE TRIGGER books_search_update AFTER UPDATE ON books
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION search_books_changed();

-- book_authors, book_series, book_genres: every book whose links changed
CREATE FUNCTION search_links_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM search_mark(ARRAY(SELECT DISTINCT book_id FROM new_rows));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM search_mark(ARRAY(SELECT DISTINCT book_id FROM old_rows));
  ELSE
    PERFORM search_mark(ARRAY(
      SELECT book_id FROM old_rows UNION SELECT book_id FROM new_rows));
  END IF;
  RETURN NULL;
END
$$;

-- authors, series, genres: a rename reaches the documents of their books
CREATE FUNCTION search_names_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  renamed integer[];
BEGIN
  renamed := ARRAY(SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
                   WHERE n.name IS DISTINCT FROM o.name);
  IF cardinality(renamed) = 0 THEN
    RETURN NULL;
  END IF;
  IF TG_TABLE_NAME = 'authors' THEN
    PERFORM search_mark(ARRAY(
      SELECT DISTINCT book_id FROM book_authors WHERE author_id = ANY(renamed)));
  ELSIF TG_TABLE_NAME = 'series' THEN
    PERFORM search_mark(ARRAY(
      SELECT DISTINCT book_id FROM book_series WHERE series_id = ANY(renamed)));
  ELSE
    PERFORM search_mark(ARRAY(
      SELECT DISTINCT book_id FROM book_genres WHERE genre_id = ANY(renamed)));
  END IF;
  RETURN NULL;
END
$$;

DO $$
DECLARE
  tbl text;
BEGIN
  FOREACH tbl IN ARRAY ARRAY['book_authors', 'book_series', 'book_genres'] LOOP
    EXECUTE format(
      'CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows
       FOR EACH STATEMENT EXECUTE FUNCTION search_links_changed()', tbl || '_search_insert', tbl);
    EXECUTE format(
      'CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
       FOR EACH STATEMENT EXECUTE FUNCTION search_links_changed()', tbl || '_search_update', tbl);
    EXECUTE format(
      'CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows
       FOR EACH STATEMENT EXECUTE FUNCTION search_links_changed()', tbl || '_search_delete', tbl);
  END LOOP;
  FOREACH tbl IN ARRAY ARRAY['authors', 'series', 'genres'] LOOP
    EXECUTE format(
      'CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
       FOR EACH STATEMENT EXECUTE FUNCTION search_names_changed()', tbl || '_search_update', tbl);
  END LOOP;
END
$$;

-- books already in the catalog when this migration runs
SELECT search_refresh(ARRAY(SELECT id FROM books));
