-- Error tracker: every 5xx and unexpected exception, grouped by fingerprint (where it was thrown
-- and its stable code), with counts and first/last seen. Occurrences keep the context of each
-- capture (route, request id, user, release) for a retention period; groups outlive them until
-- they too fall out of the window.

CREATE TABLE error_groups (
  fingerprint      text PRIMARY KEY CHECK (fingerprint ~ '^[0-9a-f]{16,64}$'),
  code             text NOT NULL,
  name             text NOT NULL,
  message          text NOT NULL,
  method           text,
  route            text,
  status           integer NOT NULL,
  occurrences      bigint NOT NULL DEFAULT 0,
  first_seen       timestamptz NOT NULL,
  last_seen        timestamptz NOT NULL,
  last_request_id  text,
  last_user_id     bigint,
  release          text
);

CREATE INDEX error_groups_last_seen_idx ON error_groups (last_seen DESC);

CREATE TABLE error_occurrences (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  fingerprint  text NOT NULL REFERENCES error_groups (fingerprint) ON DELETE CASCADE,
  occurred_at  timestamptz NOT NULL,
  request_id   text,
  user_id      bigint,
  method       text,
  route        text,
  status       integer NOT NULL,
  release      text,
  stack        text,
  context      jsonb NOT NULL DEFAULT '{}'::jsonb
);

-- the retention sweep deletes by age; the group page lists a group's latest occurrences
CREATE INDEX error_occurrences_occurred_at_idx ON error_occurrences (occurred_at);
CREATE INDEX error_occurrences_fingerprint_idx ON error_occurrences (fingerprint, occurred_at DESC);
