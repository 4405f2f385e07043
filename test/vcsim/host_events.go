package main

import (
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// Event type ids that the simulated hosts raise.
const (
	firewallConfigChanged = "esx.audit.net.firewall.config.changed"
	firewallDisabled      = "esx.audit.net.firewall.disabled"
	firewallEnabled       = "esx.audit.net.firewall.enabled"
)

// Event classes that POST /vdrift-sim/events creates.
const (
	kindEventEx       = "EventEx"
	kindExtendedEvent = "ExtendedEvent"
)

// eventKinds maps the host firewall and SSH event type ids to the event
// class that ESXi uses for each. POST /vdrift-sim/events uses it when the
// request names no kind.
// NOTE: these classes were not checked against a running ESXi host.
var eventKinds = map[string]string{
	firewallConfigChanged:                    kindEventEx,
	firewallDisabled:                         kindExtendedEvent,
	firewallEnabled:                          kindEventEx,
	"esx.audit.net.firewall.port.hooked":     kindEventEx,
	"esx.audit.net.firewall.port.removed":    kindEventEx,
	"esx.problem.net.firewall.config.failed": kindEventEx,
	"esx.audit.ssh.enabled":                  kindExtendedEvent,
	"esx.audit.ssh.disabled":                 kindExtendedEvent,
}

// simSettings contains the switches of POST /vdrift-sim/settings.
type simSettings struct {
	// firewallEvents makes firewall changes through the simulator post
	// events. It starts true.
	firewallEvents atomic.Bool
}

func newSimSettings() *simSettings {
	s := &simSettings{}
	s.firewallEvents.Store(true)
	return s
}

// hostEvents posts the events of one host.
type hostEvents struct {
	log      *eventLog
	settings *simSettings

	// template has the host, computeResource and datacenter arguments of
	// every event of the host.
	template types.Event
	host     types.ManagedObjectReference
	name     string
}

// newHostEvents returns the event source of host. It reads the inventory
// without locks, so it must run before the server starts.
func newHostEvents(host *simulator.HostSystem, log *eventLog, settings *simSettings) *hostEvents {
	h := &hostEvents{log: log, settings: settings, host: host.Self, name: host.Name}
	h.template.Host = &types.HostEventArgument{
		Host:                host.Self,
		EntityEventArgument: types.EntityEventArgument{Name: host.Name},
	}

	for ref, ok := parentOf(host.Self); ok; ref, ok = parentOf(ref) {
		entity := simulator.Map.Get(ref).(mo.Entity)
		argument := types.EntityEventArgument{Name: entity.Entity().Name}

		switch ref.Type {
		case "ComputeResource", "ClusterComputeResource":
			h.template.ComputeResource = &types.ComputeResourceEventArgument{
				ComputeResource:     ref,
				EntityEventArgument: argument,
			}
		case "Datacenter":
			h.template.Datacenter = &types.DatacenterEventArgument{
				Datacenter:          ref,
				EntityEventArgument: argument,
			}
		}
	}

	return h
}

// eventEx returns an EventEx of the host. A zero created leaves the time to
// eventLog.post, and an empty severity becomes "warning" for esx.problem
// events and "info" for others.
func (h *hostEvents) eventEx(typeID, severity, user, message string, args []types.KeyAnyValue, created time.Time) *types.EventEx {
	if severity == "" {
		severity = "info"
		if strings.HasPrefix(typeID, "esx.problem.") {
			severity = "warning"
		}
	}

	event := &types.EventEx{
		Event:       h.baseEvent(user, created),
		EventTypeId: typeID,
		Severity:    severity,
		Message:     message,
		Arguments:   args,
		ObjectId:    h.host.Value,
		ObjectType:  h.host.Type,
		ObjectName:  h.name,
	}
	event.FullFormattedMessage = h.fullMessage(typeID, message)
	return event
}

// extendedEvent returns an ExtendedEvent of the host. A zero created leaves
// the time to eventLog.post.
func (h *hostEvents) extendedEvent(typeID, user, message string, data []types.ExtendedEventPair, created time.Time) *types.ExtendedEvent {
	event := &types.ExtendedEvent{
		GeneralEvent: types.GeneralEvent{
			Event:   h.baseEvent(user, created),
			Message: message,
		},
		EventTypeId:   typeID,
		ManagedObject: h.host,
		Data:          data,
	}
	event.FullFormattedMessage = h.fullMessage(typeID, message)
	return event
}

func (h *hostEvents) baseEvent(user string, created time.Time) types.Event {
	event := h.template
	event.UserName = user
	event.CreatedTime = created
	return event
}

func (h *hostEvents) fullMessage(typeID, message string) string {
	if message != "" {
		return message
	}
	return fmt.Sprintf("%s on host %s", typeID, h.name)
}

// firewallChanged posts esx.audit.net.firewall.config.changed for a change
// that user made, unless firewall events are switched off. The event has
// the arguments "operation" and argument, which is "ruleset" or
// "defaultPolicy" and is set to value.
func (h *hostEvents) firewallChanged(user, operation, argument, value string) {
	if !h.settings.firewallEvents.Load() {
		return
	}

	var message string
	if argument == "ruleset" {
		message = fmt.Sprintf("Firewall configuration has changed. Operation '%s' for rule set %s succeeded.", operation, value)
	} else {
		message = fmt.Sprintf("Firewall configuration has changed. Operation '%s' for the default policy (%s) succeeded.",
			operation, value)
	}

	args := []types.KeyAnyValue{
		{Key: "operation", Value: operation},
		{Key: argument, Value: value},
	}
	h.log.post(h.eventEx(firewallConfigChanged, "", user, message, args, time.Time{}))
}

// firewallSwitched posts esx.audit.net.firewall.enabled, an EventEx, or
// esx.audit.net.firewall.disabled, an ExtendedEvent, as ESXi does, unless
// firewall events are switched off.
func (h *hostEvents) firewallSwitched(user string, enabled bool) {
	if !h.settings.firewallEvents.Load() {
		return
	}

	if enabled {
		h.log.post(h.eventEx(firewallEnabled, "", user, "Firewall has been enabled.", nil, time.Time{}))
		return
	}
	h.log.post(h.extendedEvent(firewallDisabled, user, "Firewall has been disabled.", nil, time.Time{}))
}
