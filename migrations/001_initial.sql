-- Initial schema. Times are ISO 8601 UTC strings with milliseconds, so they
-- sort as text. Nothing here is ever deleted: the history is the
-- compliance record.

CREATE TABLE vcenters (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);

-- One run against one vCenter.
CREATE TABLE polls (
  id INTEGER PRIMARY KEY,
  vcenter_id INTEGER NOT NULL REFERENCES vcenters (id),
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('complete', 'incomplete', 'failed')),
  error TEXT,
  hosts_seen INTEGER NOT NULL DEFAULT 0,
  hosts_checked INTEGER NOT NULL DEFAULT 0,
  round_trips INTEGER NOT NULL DEFAULT 0,
  api_version TEXT
);
CREATE INDEX polls_by_vcenter ON polls (vcenter_id, id);

-- Content-addressed normalized firewall states: one row per distinct state.
CREATE TABLE snapshots (
  hash TEXT PRIMARY KEY,
  body TEXT NOT NULL,
  first_seen_at TEXT NOT NULL
) WITHOUT ROWID;

-- Every baseline version ever loaded, so old reports can name the version
-- that judged a state after the file has changed.
CREATE TABLE baseline_versions (
  id INTEGER PRIMARY KEY,
  baseline_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  hash TEXT NOT NULL,
  body TEXT NOT NULL,
  file TEXT NOT NULL,
  approved_by TEXT NOT NULL,
  approved_at TEXT NOT NULL,
  ticket TEXT NOT NULL,
  first_loaded_at TEXT NOT NULL,
  last_loaded_at TEXT NOT NULL,
  UNIQUE (baseline_id, version, hash)
);

CREATE TABLE hosts (
  id INTEGER PRIMARY KEY,
  vcenter_id INTEGER NOT NULL REFERENCES vcenters (id),
  moid TEXT NOT NULL,
  name TEXT NOT NULL,
  cluster TEXT,
  connection_state TEXT NOT NULL,
  in_maintenance INTEGER NOT NULL,
  product_version TEXT,
  api_version TEXT,
  first_seen_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL,
  last_seen_poll_id INTEGER NOT NULL,
  -- Last poll whose evaluation judged this host; open findings of the host
  -- held in every such poll since they opened, so this is their last-seen time.
  last_checked_at TEXT,
  last_checked_poll_id INTEGER,
  removed_at TEXT,
  current_state_id INTEGER,
  -- SHA-256 of the host's property-collector bytes when last decoded, and
  -- what they decoded to: a later poll that reads the same bytes reuses
  -- the observation instead of parsing them again.
  fragment_key TEXT,
  observation TEXT,
  UNIQUE (vcenter_id, moid)
);
CREATE INDEX hosts_by_name ON hosts (name);

-- Clusters and standalone compute resources, for naming each host's cluster.
CREATE TABLE compute_resources (
  vcenter_id INTEGER NOT NULL REFERENCES vcenters (id),
  moid TEXT NOT NULL,
  type TEXT NOT NULL,
  name TEXT NOT NULL,
  fragment_key TEXT NOT NULL,
  PRIMARY KEY (vcenter_id, moid)
) WITHOUT ROWID;

-- A run of polls in which a host showed one state under one baseline. The
-- current run has no end: its last poll is the host's last_seen_poll_id.
CREATE TABLE host_states (
  id INTEGER PRIMARY KEY,
  host_id INTEGER NOT NULL REFERENCES hosts (id),
  snapshot_hash TEXT REFERENCES snapshots (hash),
  not_checked_reason TEXT,
  not_checked_detail TEXT,
  baseline_version_id INTEGER REFERENCES baseline_versions (id),
  first_poll_id INTEGER NOT NULL,
  first_seen_at TEXT NOT NULL,
  last_poll_id INTEGER,
  last_seen_at TEXT
);
CREATE INDEX host_states_by_host ON host_states (host_id, id);

CREATE TABLE findings (
  id INTEGER PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  rule TEXT NOT NULL,
  severity TEXT NOT NULL,
  vcenter TEXT NOT NULL,
  host_id INTEGER REFERENCES hosts (id),
  host TEXT,
  host_moid TEXT,
  cluster TEXT,
  ruleset TEXT,
  expected TEXT NOT NULL,
  actual TEXT NOT NULL,
  message TEXT NOT NULL,
  baseline_version_id INTEGER REFERENCES baseline_versions (id),
  status TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
  first_seen_at TEXT NOT NULL,
  first_poll_id INTEGER,
  -- Explicit for findings without a host and for resolved ones; for open
  -- host findings the host row's times are newer (see the finding_list view).
  last_seen_at TEXT NOT NULL,
  last_poll_id INTEGER,
  resolved_at TEXT,
  resolved_poll_id INTEGER,
  resolution TEXT
);
CREATE UNIQUE INDEX findings_open_by_fingerprint ON findings (fingerprint) WHERE status = 'open';
CREATE INDEX findings_by_host ON findings (host_id, status);
CREATE INDEX findings_by_status ON findings (status, vcenter);

-- Severity changes of open findings. Opening and resolving are recorded on
-- the finding row itself (first_seen_at, resolved_at).
CREATE TABLE finding_severity_changes (
  id INTEGER PRIMARY KEY,
  finding_id INTEGER NOT NULL REFERENCES findings (id),
  poll_id INTEGER,
  at TEXT NOT NULL,
  severity TEXT NOT NULL,
  previous_severity TEXT NOT NULL
);
CREATE INDEX finding_severity_changes_by_finding ON finding_severity_changes (finding_id, id);

-- Findings with their effective last-seen time and poll.
CREATE VIEW finding_list AS
SELECT
  f.*,
  CASE
    WHEN f.status = 'open' AND h.id IS NOT NULL AND f.rule = 'host-not-checked' THEN h.last_seen_at
    WHEN f.status = 'open' AND h.last_checked_at IS NOT NULL THEN max(f.last_seen_at, h.last_checked_at)
    ELSE f.last_seen_at
  END AS seen_until,
  CASE
    WHEN f.status = 'open' AND h.id IS NOT NULL AND f.rule = 'host-not-checked' THEN h.last_seen_poll_id
    WHEN f.status = 'open' AND h.last_checked_poll_id IS NOT NULL THEN max(f.last_poll_id, h.last_checked_poll_id)
    ELSE f.last_poll_id
  END AS seen_until_poll_id,
  b.baseline_id AS baseline_id,
  b.version AS baseline_version,
  b.hash AS baseline_hash
FROM findings f
LEFT JOIN hosts h ON h.id = f.host_id
LEFT JOIN baseline_versions b ON b.id = f.baseline_version_id;
