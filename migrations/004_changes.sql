-- The firewall on/off state from esxcli, and polls that re-read one host.

-- The esxcli firewall state as part of a host state: JSON
-- {"enabled":…,"defaultAction":…,"loaded":…}, "unknown" when the probe
-- failed, or null when no probe ran.
ALTER TABLE host_states ADD COLUMN service_state TEXT;
ALTER TABLE hosts ADD COLUMN service_error TEXT;

-- 'inventory' polls read every host; 'host' polls re-read one host after
-- one of its firewall events, and never count as proof that other hosts
-- are gone.
ALTER TABLE polls ADD COLUMN kind TEXT NOT NULL DEFAULT 'inventory' CHECK (kind IN ('inventory', 'host'));

-- What became of each firewall event: 'drift' when a later snapshot showed
-- the change, 'no-observable-drift' when re-reads saw none, 'judged' when a
-- poll raised change-between-polls for it.
ALTER TABLE vcenter_events ADD COLUMN outcome TEXT;
