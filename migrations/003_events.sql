-- vCenter events about host firewalls, read after each poll, and the
-- attribution of findings to the change that caused them.

CREATE TABLE vcenter_events (
  id INTEGER PRIMARY KEY,
  vcenter_id INTEGER NOT NULL REFERENCES vcenters (id),
  -- Event.key: increasing and unique within one vCenter.
  event_key INTEGER NOT NULL,
  chain_id INTEGER,
  -- EventEx/ExtendedEvent eventTypeId, or the class name of other events.
  event_type_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  created_at TEXT NOT NULL,
  user_name TEXT,
  host_moid TEXT,
  host_name TEXT,
  -- The ruleset the event names, when it names one.
  ruleset TEXT,
  message TEXT,
  -- Arguments (EventEx) or data (ExtendedEvent) as a JSON object.
  data TEXT NOT NULL,
  poll_id INTEGER,
  UNIQUE (vcenter_id, event_key)
);
CREATE INDEX vcenter_events_by_host ON vcenter_events (vcenter_id, host_moid, created_at);

-- How far each vCenter's event history has been read, so no event is
-- missed or stored twice across polls and restarts.
CREATE TABLE event_positions (
  vcenter_id INTEGER PRIMARY KEY REFERENCES vcenters (id),
  last_key INTEGER NOT NULL,
  last_created_at TEXT NOT NULL
);

-- Who made the change behind a finding, as JSON {userName, at, eventTypeId,
-- eventKey}, when a vCenter event matches it.
ALTER TABLE findings ADD COLUMN attribution TEXT;
