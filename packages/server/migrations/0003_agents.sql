-- Deployments that run: agents, run specifications, placements (desired state per service and
-- environment), router samples for analysis, and the persisted plan of each deployment.

CREATE TABLE agents (
  id            uuid PRIMARY KEY,
  environment   text NOT NULL REFERENCES environments (name),
  name          text NOT NULL,
  hostname      text NOT NULL DEFAULT '',
  version       text NOT NULL DEFAULT '',
  token_id      uuid,
  registered_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at  timestamptz NOT NULL DEFAULT now(),
  applied_revision bigint NOT NULL DEFAULT 0,
  status        jsonb NOT NULL DEFAULT '{"services": []}',
  UNIQUE (environment, name)
);

CREATE TABLE run_specs (
  service    text NOT NULL REFERENCES services (name),
  revision   integer NOT NULL,
  spec       jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text NOT NULL,
  PRIMARY KEY (service, revision)
);

CREATE SEQUENCE placement_seq;

-- What should run where: the controller writes it, agents converge to it.
CREATE TABLE placements (
  environment text NOT NULL REFERENCES environments (name),
  service     text NOT NULL REFERENCES services (name),
  seq         bigint NOT NULL,
  state       jsonb NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (environment, service)
);

-- Cumulative router counters as agents report them; analysis takes differences over a window.
CREATE TABLE router_samples (
  id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  agent_id  uuid NOT NULL REFERENCES agents (id),
  service   text NOT NULL,
  version   text NOT NULL,
  at        timestamptz NOT NULL DEFAULT clock_timestamp(),
  requests  bigint NOT NULL,
  errors    bigint NOT NULL,
  latency   jsonb NOT NULL
);
CREATE INDEX router_samples_lookup ON router_samples (service, version, at);

ALTER TABLE deployments ADD COLUMN plan jsonb;
ALTER TABLE deployments ADD COLUMN step integer NOT NULL DEFAULT 0;
ALTER TABLE deployments ADD COLUMN step_started_at timestamptz;
ALTER TABLE deployments ADD COLUMN previous_version text;
ALTER TABLE deployments ADD COLUMN analysis jsonb NOT NULL DEFAULT '[]';
CREATE INDEX deployments_controlled ON deployments (id) WHERE driver <> 'external' AND state IN ('approved', 'running', 'verifying');
