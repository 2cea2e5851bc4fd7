-- Statistics and recommendations: reader signals, item-item neighbours, materialized views of
-- book, user and genre statistics, and the SQL functions that score popularity and assemble
-- recommendations where the data lives. Refreshed by src/jobs (one instance at a time, under an
-- advisory lock) and on demand (POST /api/admin/maintenance/refresh-statistics).

-- Index audit (test/integration/db/hot-path-plans.test.ts and query-plans.test.ts assert the
-- plans): refresh_tokens_expiry_idx (0002) serves no query. Sessions are found by token hash,
-- user and family; nothing selects or deletes by family_expires_at, so the index only costs
-- a write on every login and refresh. Dropped; a cleanup of expired sessions would bring it
-- back together with the query that uses it.
DROP INDEX IF EXISTS refresh_tokens_expiry_idx;

-- How strongly one reader's interaction with one book says "more like this", 0 to 1. A rating
-- decides when there is one (a 2-star rating of an owned book is not a recommendation); without
-- one, the library says it: read > bought > reading > want to read; did-not-finish says nothing.
-- Tuned with `npm run eval:recs` (leave-one-out on the goodbooks ratings).
CREATE FUNCTION rating_signal(rating smallint) RETURNS real
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE rating WHEN 5 THEN 1.0 WHEN 4 THEN 0.8 WHEN 3 THEN 0.4 WHEN 2 THEN 0.1 ELSE 0.0 END::real
$$;

CREATE FUNCTION library_signal(shelf text, owned boolean) RETURNS real
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT greatest(
    CASE shelf WHEN 'read' THEN 0.8 WHEN 'reading' THEN 0.6 WHEN 'want_to_read' THEN 0.4 ELSE 0.0 END,
    CASE WHEN owned THEN 0.7 ELSE 0.0 END
  )::real
$$;

-- One row per reader and book they interacted with (rated, shelved or bought). `weight` is the
-- positive signal; `verb` says what the reader did, for "because you liked ...". A filter on
-- user_id is pushed through the UNION ALL and the GROUP BY into both tables' (user_id, ...)
-- indexes, so one reader's signals cost two index range scans.
CREATE VIEW reader_signals AS
SELECT user_id, book_id,
       coalesce(max(rating_weight), max(library_weight)) AS weight,
       max(rating) AS rating,
       bool_or(owned) AS owned,
       max(shelf) AS shelf,
       max(at) AS last_at,
       CASE
         WHEN max(rating) >= 4 THEN 'liked'
         WHEN max(rating) IS NOT NULL THEN 'rated'
         WHEN max(shelf) = 'read' THEN 'read'
         WHEN bool_or(owned) THEN 'bought'
         WHEN max(shelf) = 'reading' THEN 'are reading'
         WHEN max(shelf) = 'want_to_read' THEN 'want to read'
         ELSE 'shelved'
       END AS verb
FROM (
  SELECT user_id, book_id, rating_signal(rating) AS rating_weight, NULL::real AS library_weight,
         rating, false AS owned, NULL::text AS shelf, updated_at AS at
  FROM reviews
  UNION ALL
  SELECT user_id, book_id, NULL::real, library_signal(shelf, owned),
         NULL::smallint, owned, shelf, updated_at
  FROM library_entries
) s
GROUP BY user_id, book_id;

-- The item-item model: for each book its K most similar books by the readers they share.
-- Refreshed whole by refresh_book_neighbours(); read by book_id (similar books, and the
-- neighbours of a reader's books), hence the primary key's order.
CREATE TABLE book_neighbours (
  book_id      integer NOT NULL REFERENCES books (id) ON DELETE CASCADE,
  rank         smallint NOT NULL CHECK (rank >= 1),
  neighbour_id integer NOT NULL REFERENCES books (id) ON DELETE CASCADE,
  score        real NOT NULL CHECK (score > 0),
  -- readers with a positive signal for both books
  co_readers   integer NOT NULL CHECK (co_readers > 0),
  PRIMARY KEY (book_id, rank),
  CHECK (neighbour_id <> book_id)
);
-- deleting a book finds the rows that name it as a neighbour through it (the cascade)
CREATE INDEX book_neighbours_neighbour_idx ON book_neighbours (neighbour_id);

-- Shrunk cosine similarity of positive signals:
--   sim(i, j) = Σ_u w_ui·w_uj / (‖w_i‖·‖w_j‖) · n_ij / (n_ij + shrink)
-- where n_ij counts readers of both. The shrink factor keeps two books that share one reader
-- from looking identical. A reader's strongest `per_reader` signals count (a reader with
-- thousands of books would otherwise cost millions of pairs and say little about each).
-- Replaces the whole table in the caller's transaction: readers see the old model or the new.
CREATE FUNCTION refresh_book_neighbours(k integer DEFAULT 30, shrink real DEFAULT 20,
                                        per_reader integer DEFAULT 300)
RETURNS integer
LANGUAGE plpgsql
-- the pair aggregation sorts and hashes a few million rows: in memory it takes half the time
SET work_mem = '64MB'
AS $$
DECLARE
  written integer;
BEGIN
  DELETE FROM book_neighbours;
  INSERT INTO book_neighbours (book_id, rank, neighbour_id, score, co_readers)
  WITH signals AS (
    SELECT user_id, book_id, weight
    FROM (
      SELECT user_id, book_id, weight,
             row_number() OVER (PARTITION BY user_id ORDER BY weight DESC, last_at DESC, book_id) AS n
      FROM reader_signals
      WHERE weight > 0
    ) ranked
    WHERE n <= per_reader
  ),
  norms AS (
    SELECT book_id, sqrt(sum(weight * weight)) AS norm FROM signals GROUP BY book_id
  ),
  -- the similarity is symmetric: each unordered pair is aggregated once (i < j), then used
  -- both ways, which halves the join and the aggregation
  pairs AS (
    SELECT a.book_id AS i, b.book_id AS j, sum(a.weight * b.weight) AS dot, count(*) AS n
    FROM signals a
    JOIN signals b ON b.user_id = a.user_id AND b.book_id > a.book_id
    GROUP BY a.book_id, b.book_id
  ),
  scored AS (
    SELECT p.i, p.j, p.n,
           p.dot / (ni.norm * nj.norm) * p.n / (p.n + shrink) AS score
    FROM pairs p
    JOIN norms ni ON ni.book_id = p.i
    JOIN norms nj ON nj.book_id = p.j
  ),
  both_ways AS (
    SELECT i, j, n, score FROM scored
    UNION ALL
    SELECT j, i, n, score FROM scored
  ),
  ranked AS (
    SELECT i, j, n, score, row_number() OVER (PARTITION BY i ORDER BY score DESC, j) AS rank
    FROM both_ways
    WHERE score > 0
  )
  SELECT i, rank, j, score, n FROM ranked WHERE rank <= k;
  GET DIAGNOSTICS written = ROW_COUNT;
  RETURN written;
END
$$;

-- Popularity, one number to rank books by when nothing personal is known: the stars-weighted
-- log of the audience, where a Victoria reader who bought or read the book counts as ten
-- ratings (a purchase says more than one of millions of Goodreads ratings), plus a trend term
-- for activity in the last 30 days. Logs keep a book with 4 million ratings from burying
-- everything else; the Bayesian rating keeps a much-rated bad book below a well-loved one.
CREATE FUNCTION popularity_score(ratings_count integer, bayesian numeric, owners integer,
                                 readers integer, recent integer)
RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT (coalesce(bayesian, 4.03) / 5.0)
         * ln(1 + coalesce(ratings_count, 0) + 10.0 * (coalesce(owners, 0) + coalesce(readers, 0)))
         + 2.0 * ln(1 + coalesce(recent, 0))
$$;

-- The Bayesian average: `stars` summed over `ratings` ratings, pulled towards a prior of
-- `prior_weight` ratings of `prior_mean` stars (the prior of books.bayesian_rating, 0003).
CREATE FUNCTION bayesian_score(stars numeric, ratings numeric, prior_mean numeric DEFAULT 4.03,
                               prior_weight numeric DEFAULT 50)
RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT round((prior_weight * prior_mean + coalesce(stars, 0)) / (prior_weight + coalesce(ratings, 0)), 3)
$$;

-- Book statistics: the rating summary, Bayesian score, sales (readers who own the book: only a
-- purchase sets owned), shelves, activity in the last 30 days, popularity. Refreshed
-- CONCURRENTLY, which needs the unique index; reads never wait for a refresh.
CREATE MATERIALIZED VIEW book_stats AS
SELECT b.id AS book_id,
       b.ratings_count,
       b.average_rating,
       bayesian_score(b.ratings_1 + 2.0 * b.ratings_2 + 3.0 * b.ratings_3 + 4.0 * b.ratings_4
                      + 5.0 * b.ratings_5, b.ratings_count) AS bayesian_score,
       coalesce(r.reviews, 0)::integer AS reviews,
       coalesce(l.sales, 0)::integer AS sales,
       coalesce(l.readers, 0)::integer AS readers,
       coalesce(l.reading, 0)::integer AS reading,
       coalesce(l.want_to_read, 0)::integer AS want_to_read,
       (coalesce(r.recent, 0) + coalesce(l.recent, 0))::integer AS recent_activity,
       popularity_score(b.ratings_count, b.bayesian_rating, coalesce(l.sales, 0)::integer,
                        coalesce(l.readers, 0)::integer,
                        (coalesce(r.recent, 0) + coalesce(l.recent, 0))::integer) AS popularity_score
FROM books b
LEFT JOIN (
  -- reviews written in Victoria (imported ratings are inside the Goodreads histogram already,
  -- and their created_at is the import's, not the reader's: they are not recent activity)
  SELECT book_id,
         count(*) FILTER (WHERE source = 'victoria') AS reviews,
         count(*) FILTER (WHERE source = 'victoria' AND created_at > now() - interval '30 days')
           AS recent
  FROM reviews GROUP BY book_id
) r ON r.book_id = b.id
LEFT JOIN (
  SELECT book_id,
         count(*) FILTER (WHERE owned) AS sales,
         count(*) FILTER (WHERE shelf = 'read') AS readers,
         count(*) FILTER (WHERE shelf = 'reading') AS reading,
         count(*) FILTER (WHERE shelf = 'want_to_read') AS want_to_read,
         count(*) FILTER (WHERE updated_at > now() - interval '30 days') AS recent
  FROM library_entries GROUP BY book_id
) l ON l.book_id = b.id;
CREATE UNIQUE INDEX book_stats_book_key ON book_stats (book_id);
-- the overall popular list (cold start's last fallback) walks it
CREATE INDEX book_stats_popularity_idx ON book_stats (popularity_score DESC, book_id);

-- Reader statistics: what each reader rated, shelved and bought, and when they last did.
CREATE MATERIALIZED VIEW user_stats AS
SELECT u.id AS user_id,
       coalesce(r.ratings, 0)::integer AS ratings,
       r.average_rating_given,
       coalesce(l.books_read, 0)::integer AS books_read,
       coalesce(l.reading, 0)::integer AS reading,
       coalesce(l.want_to_read, 0)::integer AS want_to_read,
       coalesce(l.books_owned, 0)::integer AS books_owned,
       greatest(r.last_at, l.last_at) AS last_activity_at
FROM users u
LEFT JOIN (
  SELECT user_id, count(*) AS ratings, round(avg(rating), 3) AS average_rating_given,
         max(updated_at) AS last_at
  FROM reviews GROUP BY user_id
) r ON r.user_id = u.id
LEFT JOIN (
  SELECT user_id,
         count(*) FILTER (WHERE shelf = 'read') AS books_read,
         count(*) FILTER (WHERE shelf = 'reading') AS reading,
         count(*) FILTER (WHERE shelf = 'want_to_read') AS want_to_read,
         count(*) FILTER (WHERE owned) AS books_owned,
         max(updated_at) AS last_at
  FROM library_entries GROUP BY user_id
) l ON l.user_id = u.id;
CREATE UNIQUE INDEX user_stats_user_key ON user_stats (user_id);

-- Genre statistics, from book_stats (refresh that first): sizes, ratings, sales, and the 100
-- most popular books of each genre, which the cold start reads instead of sorting a genre of
-- 30,000 books per request.
CREATE MATERIALIZED VIEW genre_stats AS
SELECT g.id AS genre_id,
       count(bs.book_id)::integer AS books,
       coalesce(sum(bs.ratings_count), 0)::bigint AS ratings_count,
       CASE WHEN sum(bs.ratings_count) > 0
            THEN round(sum(bs.average_rating * bs.ratings_count) / sum(bs.ratings_count), 3) END
         AS average_rating,
       coalesce(sum(bs.sales), 0)::integer AS sales,
       coalesce(sum(bs.readers), 0)::integer AS readers,
       coalesce(sum(bs.recent_activity), 0)::integer AS recent_activity,
       coalesce((array_agg(bs.book_id ORDER BY bs.popularity_score DESC, bs.book_id)
                 FILTER (WHERE bs.book_id IS NOT NULL))[1:100], '{}') AS top_book_ids
FROM genres g
LEFT JOIN book_genres bg ON bg.genre_id = g.id
LEFT JOIN book_stats bs ON bs.book_id = bg.book_id
GROUP BY g.id;
CREATE UNIQUE INDEX genre_stats_genre_key ON genre_stats (genre_id);

-- When each maintenance job last ran, and how it went (the admin refresh answers with it).
CREATE TABLE maintenance_runs (
  job          text PRIMARY KEY CHECK (length(job) BETWEEN 1 AND 100),
  started_at   timestamptz NOT NULL,
  finished_at  timestamptz,
  duration_ms  integer CHECK (duration_ms >= 0),
  ok           boolean,
  detail       text CHECK (length(detail) <= 2000)
);

-- A reader's recommendations, best first: `wanted` books they have not rated, shelved or
-- bought. Three tiers, each filling what the one before left:
--   1. collaborative: neighbours of the reader's positively-signalled books (the 50 strongest),
--      summed by signal × similarity, normalized to the best candidate and blended 9:1 with
--      the reader's genre affinity (share of their signal weight per genre; a stronger genre
--      blend lowered the leave-one-out hit rate of `npm run eval:recs`);
--   2. popular and trending in the reader's three favourite genres (genre_stats.top_book_ids);
--   3. popular and trending overall (book_stats by popularity_score).
-- `because` names up to three of the reader's books that led to a tier-1 pick, strongest first.
CREATE FUNCTION recommend_for_reader(reader integer, wanted integer)
RETURNS TABLE (book_id integer, score double precision, tier integer, because integer[],
               genre_id integer)
LANGUAGE sql STABLE AS $$
  WITH signals AS (
    SELECT s.book_id, s.weight, s.last_at FROM reader_signals s WHERE s.user_id = reader
  ),
  seeds AS (
    SELECT s.book_id, s.weight FROM signals s WHERE s.weight > 0
    ORDER BY s.weight DESC, s.last_at DESC, s.book_id LIMIT 50
  ),
  seed_genres AS (
    SELECT s.book_id, bg.genre_id,
           s.weight * bg.weight::double precision / sum(bg.weight) OVER (PARTITION BY s.book_id) AS w
    FROM seeds s JOIN book_genres bg ON bg.book_id = s.book_id
  ),
  affinity AS (
    SELECT sg.genre_id, sum(sg.w) / sum(sum(sg.w)) OVER () AS affinity
    FROM seed_genres sg GROUP BY sg.genre_id
  ),
  contributions AS (
    SELECT n.neighbour_id AS book_id, n.book_id AS seed_id, s.weight * n.score AS c
    FROM seeds s JOIN book_neighbours n ON n.book_id = s.book_id
    WHERE NOT EXISTS (SELECT 1 FROM signals x WHERE x.book_id = n.neighbour_id)
  ),
  cf AS (
    SELECT c.book_id, sum(c.c) AS cf, (array_agg(c.seed_id ORDER BY c.c DESC, c.seed_id))[1:3] AS because
    FROM contributions c GROUP BY c.book_id
  ),
  cf_genre AS (
    SELECT cf.book_id, cf.cf, cf.because,
           coalesce((SELECT sum(a.affinity * bg.weight) / sum(bg.weight)
                     FROM book_genres bg LEFT JOIN affinity a ON a.genre_id = bg.genre_id
                     WHERE bg.book_id = cf.book_id), 0) AS genre_score,
           (SELECT bg.genre_id FROM book_genres bg JOIN affinity a ON a.genre_id = bg.genre_id
            WHERE bg.book_id = cf.book_id ORDER BY a.affinity * bg.weight DESC, bg.genre_id
            LIMIT 1) AS genre_id
    FROM cf
  ),
  tier1 AS (
    SELECT g.book_id,
           0.9 * g.cf / max(g.cf) OVER () + 0.1 * g.genre_score / greatest(max(g.genre_score) OVER (), 1e-9)
             AS score,
           g.because, g.genre_id
    FROM cf_genre g
  ),
  favourite_genres AS (
    SELECT a.genre_id, a.affinity FROM affinity a ORDER BY a.affinity DESC, a.genre_id LIMIT 3
  ),
  tier2 AS (
    SELECT t.book_id, max(f.affinity / t.position) AS score,
           (array_agg(f.genre_id ORDER BY f.affinity / t.position DESC))[1] AS genre_id
    FROM favourite_genres f
    JOIN genre_stats gs ON gs.genre_id = f.genre_id
    CROSS JOIN LATERAL unnest(gs.top_book_ids) WITH ORDINALITY AS t(book_id, position)
    WHERE NOT EXISTS (SELECT 1 FROM signals x WHERE x.book_id = t.book_id)
    GROUP BY t.book_id
  ),
  tier3 AS (
    SELECT bs.book_id, bs.popularity_score AS score
    FROM book_stats bs
    WHERE NOT EXISTS (SELECT 1 FROM signals x WHERE x.book_id = bs.book_id)
    ORDER BY bs.popularity_score DESC, bs.book_id
    LIMIT wanted
  ),
  picks AS (
    SELECT t.book_id, t.score, 1 AS tier, t.because, t.genre_id FROM tier1 t
    UNION ALL
    SELECT t.book_id, t.score, 2, NULL::integer[], t.genre_id FROM tier2 t
    UNION ALL
    SELECT t.book_id, t.score, 3, NULL::integer[], NULL::integer FROM tier3 t
  ),
  best AS (
    SELECT DISTINCT ON (p.book_id) p.* FROM picks p ORDER BY p.book_id, p.tier, p.score DESC
  )
  SELECT b.book_id, b.score, b.tier, b.because, b.genre_id
  FROM best b
  ORDER BY b.tier, b.score DESC, b.book_id
  LIMIT wanted
$$;

-- Books like `book`, best first: its neighbours (readers who liked it liked them), then more by
-- its authors, then popular books of its main genre. `tier` says which.
CREATE FUNCTION similar_books(book integer, wanted integer)
RETURNS TABLE (book_id integer, score double precision, tier integer, genre_id integer)
LANGUAGE sql STABLE AS $$
  WITH neighbours AS (
    SELECT n.neighbour_id AS book_id, n.score::double precision AS score, n.rank
    FROM book_neighbours n WHERE n.book_id = book
    ORDER BY n.rank LIMIT wanted
  ),
  same_author AS (
    SELECT ba2.book_id, max(bs.popularity_score) AS score
    FROM book_authors ba
    JOIN book_authors ba2 ON ba2.author_id = ba.author_id AND ba2.book_id <> book
    JOIN book_stats bs ON bs.book_id = ba2.book_id
    WHERE ba.book_id = book
    GROUP BY ba2.book_id
    ORDER BY score DESC, ba2.book_id
    LIMIT wanted
  ),
  main_genre AS (
    SELECT bg.genre_id FROM book_genres bg WHERE bg.book_id = book
    ORDER BY bg.weight DESC, bg.genre_id LIMIT 1
  ),
  same_genre AS (
    SELECT t.book_id, 1.0 / t.position AS score, m.genre_id
    FROM main_genre m
    JOIN genre_stats gs ON gs.genre_id = m.genre_id
    CROSS JOIN LATERAL unnest(gs.top_book_ids) WITH ORDINALITY AS t(book_id, position)
    WHERE t.book_id <> book
  ),
  picks AS (
    SELECT n.book_id, n.score, 1 AS tier, NULL::integer AS genre_id FROM neighbours n
    UNION ALL
    SELECT a.book_id, a.score, 2, NULL FROM same_author a
    UNION ALL
    SELECT g.book_id, g.score, 3, g.genre_id FROM same_genre g
  ),
  best AS (
    SELECT DISTINCT ON (p.book_id) p.* FROM picks p ORDER BY p.book_id, p.tier, p.score DESC
  )
  SELECT b.book_id, b.score, b.tier, b.genre_id FROM best b
  ORDER BY b.tier, b.score DESC, b.book_id
  LIMIT wanted
$$;
