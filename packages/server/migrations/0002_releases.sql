-- Releases: features, their per-environment configuration, segments, the release log, and the
-- monotonic revision of each environment's flag snapshot. Forward-only.

CREATE TABLE features (
  key         text PRIMARY KEY,
  description text NOT NULL DEFAULT '',
  owner       text NOT NULL DEFAULT '',
  kind        text NOT NULL,
  type        text NOT NULL,
  variations  jsonb NOT NULL,
  salt        text NOT NULL,
  -- What a new environment starts with: off, serving off_variation; `on` serves on_variation.
  on_variation  integer NOT NULL,
  off_variation integer NOT NULL,
  revision    integer NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT now(),
  created_by  text NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE feature_configs (
  feature     text NOT NULL REFERENCES features (key),
  environment text NOT NULL REFERENCES environments (name),
  config      jsonb NOT NULL,
  revision    integer NOT NULL DEFAULT 1,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  updated_by  text NOT NULL,
  PRIMARY KEY (feature, environment)
);

CREATE TABLE segments (
  environment text NOT NULL REFERENCES environments (name),
  key         text NOT NULL,
  description text NOT NULL DEFAULT '',
  included    jsonb NOT NULL DEFAULT '[]',
  excluded    jsonb NOT NULL DEFAULT '[]',
  rules       jsonb NOT NULL DEFAULT '[]',
  revision    integer NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (environment, key)
);

-- Each environment's flag snapshot has one revision that only grows; SDKs and ETags use it.
CREATE TABLE snapshot_revisions (
  environment text PRIMARY KEY REFERENCES environments (name),
  revision    bigint NOT NULL
);

CREATE TABLE releases (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  feature      text NOT NULL REFERENCES features (key),
  environment  text NOT NULL REFERENCES environments (name),
  action       text NOT NULL,
  summary      text NOT NULL,
  reason       text,
  author       text NOT NULL,
  author_token uuid,
  state        text NOT NULL,
  scheduled_for timestamptz,
  before       jsonb,
  after        jsonb,
  request      jsonb,
  error        text,
  created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  applied_at   timestamptz
);
CREATE INDEX releases_feature_env ON releases (feature, environment, id DESC);
CREATE INDEX releases_due ON releases (scheduled_for) WHERE state = 'scheduled';

-- What SDKs report: evaluation counts per variant and custom events, for guarded rollouts.
CREATE TABLE evaluation_counts (
  environment text NOT NULL,
  feature     text NOT NULL,
  variant     text NOT NULL,
  minute      timestamptz NOT NULL,
  count       bigint NOT NULL,
  PRIMARY KEY (environment, feature, variant, minute)
);

CREATE TABLE track_events (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  environment text NOT NULL,
  key         text NOT NULL,
  context_key text,
  value       double precision,
  at          timestamptz NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX track_events_env_key_at ON track_events (environment, key, at);
