-- Backbone: tokens, audit, services, environments, builds, artifacts, labels, deployments.
-- Forward-only: never edit this file once landed; add a new one.

CREATE TABLE tokens (
  id           uuid PRIMARY KEY,
  name         text NOT NULL,
  scope        text NOT NULL,
  hash         bytea NOT NULL UNIQUE,
  prefix       text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  created_by   text NOT NULL,
  expires_at   timestamptz,
  revoked_at   timestamptz,
  last_used_at timestamptz
);

CREATE TABLE audit_events (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at            timestamptz NOT NULL DEFAULT clock_timestamp(),
  actor         text NOT NULL,
  action        text NOT NULL,
  resource_type text NOT NULL,
  resource_id   text NOT NULL,
  before        jsonb,
  after         jsonb,
  request_id    text
);
CREATE INDEX audit_events_resource ON audit_events (resource_type, resource_id, id);
CREATE INDEX audit_events_actor ON audit_events (actor, id);
CREATE INDEX audit_events_at ON audit_events (at);

CREATE TABLE services (
  name        text PRIMARY KEY,
  description text NOT NULL DEFAULT '',
  revision    integer NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE environments (
  name          text PRIMARY KEY,
  position      integer NOT NULL UNIQUE DEFERRABLE INITIALLY DEFERRED,
  protected     boolean NOT NULL DEFAULT false,
  frozen_until  timestamptz,
  freeze_reason text,
  required_label text,
  require_previous_success boolean NOT NULL DEFAULT false,
  revision      integer NOT NULL DEFAULT 1,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE builds (
  id         text PRIMARY KEY,
  url        text,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE artifacts (
  id         uuid PRIMARY KEY,
  service    text NOT NULL REFERENCES services (name),
  version    text NOT NULL,
  digest     text NOT NULL,
  repository text,
  commit     text,
  build_id   text REFERENCES builds (id),
  build_url  text,
  changes    jsonb NOT NULL DEFAULT '[]',
  metadata   jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  created_by text NOT NULL,
  UNIQUE (service, version)
);
CREATE INDEX artifacts_build ON artifacts (build_id);
CREATE INDEX artifacts_service_created ON artifacts (service, created_at, id);

CREATE TABLE artifact_labels (
  artifact_id uuid NOT NULL REFERENCES artifacts (id),
  label       text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  created_by  text NOT NULL,
  PRIMARY KEY (artifact_id, label)
);

CREATE TABLE deployments (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  service          text NOT NULL REFERENCES services (name),
  environment      text NOT NULL REFERENCES environments (name),
  artifact_id      uuid NOT NULL REFERENCES artifacts (id),
  version          text NOT NULL,
  strategy         text NOT NULL,
  driver           text NOT NULL,
  state            text NOT NULL,
  kind             text NOT NULL DEFAULT 'deploy',
  rollback_of      bigint REFERENCES deployments (id),
  reason           text,
  override_reason  text,
  message          text,
  requested_by     text NOT NULL,
  requested_by_token uuid,
  approved_by      text,
  revision         integer NOT NULL DEFAULT 1,
  created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
  started_at       timestamptz,
  finished_at      timestamptz,
  updated_at       timestamptz NOT NULL DEFAULT clock_timestamp()
);
-- The database itself refuses a second active deployment of one service in one environment,
-- whatever races the application loses.
CREATE UNIQUE INDEX deployments_one_active
  ON deployments (service, environment)
  WHERE state IN ('pending', 'approved', 'running', 'verifying');
CREATE INDEX deployments_service_env ON deployments (service, environment, id DESC);
CREATE INDEX deployments_queued ON deployments (service, environment, id) WHERE state = 'queued';

CREATE TABLE deployment_logs (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  deployment_id bigint NOT NULL REFERENCES deployments (id),
  at            timestamptz NOT NULL DEFAULT clock_timestamp(),
  level         text NOT NULL DEFAULT 'info',
  message       text NOT NULL
);
CREATE INDEX deployment_logs_deployment ON deployment_logs (deployment_id, id);
