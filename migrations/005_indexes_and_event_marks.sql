-- The last vcenter_events row stored when an inventory poll was written.
-- The next poll judges exactly the events stored after it: an event created
-- while a poll was reading hosts is stored by the poll after, and selecting
-- by event time would lose it between the two.
ALTER TABLE polls ADD COLUMN events_through INTEGER;

-- Indexes for the queries each poll runs, which otherwise scan tables that
-- only grow: events by time for attribution, host states by the poll that
-- first saw them, and open findings by rule.
DROP INDEX vcenter_events_by_host;
CREATE INDEX vcenter_events_by_time ON vcenter_events (vcenter_id, created_at);
CREATE INDEX host_states_by_poll ON host_states (first_poll_id);
CREATE INDEX findings_open_by_rule ON findings (vcenter, rule) WHERE status = 'open';

-- Host names are looked up without regard to case.
DROP INDEX hosts_by_name;
CREATE INDEX hosts_by_name ON hosts (name COLLATE NOCASE);
