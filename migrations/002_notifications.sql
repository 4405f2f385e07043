-- Notifications, maintenance windows and exceptions.

-- Why an open finding is not notified now: a maintenance window, vSphere
-- maintenance mode, or an exception (accepted risk). notified_at is when
-- its opening was released to the outbox; null while it is held.
ALTER TABLE findings ADD COLUMN hold_kind TEXT CHECK (hold_kind IN ('window', 'maintenance', 'exception'));
ALTER TABLE findings ADD COLUMN hold_ref TEXT;
-- Change ticket of the window the finding opened in; kept after the window ends.
ALTER TABLE findings ADD COLUMN window_ticket TEXT;
ALTER TABLE findings ADD COLUMN notified_at TEXT;
ALTER TABLE findings ADD COLUMN last_notified_at TEXT;
CREATE INDEX findings_unnotified ON findings (vcenter) WHERE status = 'open' AND notified_at IS NULL;

-- One row per message per channel, written in the same transaction as the
-- findings it reports and delivered after the commit. delivery_id is the
-- idempotency key: a transition is queued once, and receivers can drop a
-- message delivered twice.
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY,
  delivery_id TEXT NOT NULL UNIQUE,
  channel TEXT NOT NULL,
  severity TEXT NOT NULL,
  payload TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'delivered', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT NOT NULL,
  claimed_at TEXT,
  last_error TEXT,
  created_at TEXT NOT NULL,
  delivered_at TEXT,
  poll_id INTEGER
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

-- Maintenance windows, from the config (source 'config') or added with
-- vdrift window add (source 'cli'). Never deleted: reports show them.
CREATE TABLE windows (
  id INTEGER PRIMARY KEY,
  source TEXT NOT NULL CHECK (source IN ('config', 'cli')),
  scope TEXT NOT NULL,
  starts_at TEXT NOT NULL,
  ends_at TEXT NOT NULL,
  ended_at TEXT,
  ticket TEXT NOT NULL,
  created_by TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE (source, scope, starts_at, ends_at, ticket)
);

-- Exceptions (accepted risks), from reviewed files or added with vdrift
-- exception add. An exception covers exactly one rule on one ruleset of one
-- host or cluster.
CREATE TABLE exceptions (
  id INTEGER PRIMARY KEY,
  source TEXT NOT NULL CHECK (source IN ('file', 'cli')),
  exception_id TEXT NOT NULL UNIQUE,
  vcenter TEXT,
  cluster TEXT,
  host TEXT,
  ruleset TEXT,
  rule TEXT NOT NULL,
  reason TEXT NOT NULL,
  approved_by TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  file TEXT,
  created_at TEXT NOT NULL,
  -- Set when an exception disappears from its file; it then covers nothing.
  withdrawn_at TEXT
);
