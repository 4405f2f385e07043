package main

import (
	"fmt"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// defaultCollectorPageSize is the latestPage size of a new collector.
const defaultCollectorPageSize = 10

// maxCollectorPageSize bounds SetCollectorPageSize and the maxCount of
// ReadNextEvents and ReadPreviousEvents.
// NOTE: 1000 is the stock simulator's limit. vCenter's limit is not
// verified here.
const maxCollectorPageSize = 1000

// EventHistoryCollector reads the events that its filter matches from an
// eventLog. The registry lock of the collector guards every field.
//
// The collector's events are every matching event in the log whose key is
// above floor, including events posted after the collector was created. Its
// position lies between two keys: ReadNextEvents returns events above
// position, oldest first, and ReadPreviousEvents returns events at or below
// it, newest first.
type EventHistoryCollector struct {
	mo.EventHistoryCollector

	log      *eventLog
	filter   *eventFilter
	session  string
	pageSize int
	floor    int32
	position int32
}

// newEventHistoryCollector returns a collector positioned at its oldest
// event. A filter with maxCount limits the events that exist now to the
// newest maxCount of them.
func newEventHistoryCollector(log *eventLog, filter *eventFilter, session string) *EventHistoryCollector {
	c := &EventHistoryCollector{log: log, filter: filter, session: session, pageSize: defaultCollectorPageSize}
	c.Self.Type = "EventHistoryCollector"
	c.Filter = filter.spec

	if maxCount := int(filter.spec.MaxCount); maxCount > 0 {
		newest := log.newest(filter, 0, maxCount)
		if len(newest) == maxCount {
			c.floor = newest[len(newest)-1].GetEvent().Key - 1
		}
	}
	c.position = c.floor

	return c
}

// Get returns the collector as the property collector reads it, with
// latestPage computed from the log.
func (c *EventHistoryCollector) Get() mo.Reference {
	view := c.EventHistoryCollector
	view.LatestPage = c.latestPage()
	return &view
}

// latestPage returns the newest pageSize events of the collector, newest
// first. The vSphere API leaves the order of latestPage unspecified.
func (c *EventHistoryCollector) latestPage() []types.BaseEvent {
	return c.log.newest(c.filter, c.floor, c.pageSize)
}

func (c *EventHistoryCollector) matchesAny(events []types.BaseEvent) bool {
	for _, event := range events {
		if event.GetEvent().Key > c.floor && c.filter.matches(event) {
			return true
		}
	}
	return false
}

func (c *EventHistoryCollector) SetCollectorPageSize(req *types.SetCollectorPageSize) soap.HasFault {
	body := &methods.SetCollectorPageSizeBody{}
	if fault := validateMaxCount(req.MaxCount); fault != nil {
		body.Fault_ = fault
		return body
	}

	c.pageSize = int(req.MaxCount)
	body.Res = &types.SetCollectorPageSizeResponse{}
	return body
}

func (c *EventHistoryCollector) ReadNextEvents(req *types.ReadNextEvents) soap.HasFault {
	body := &methods.ReadNextEventsBody{}
	if fault := validateMaxCount(req.MaxCount); fault != nil {
		body.Fault_ = fault
		return body
	}

	events := c.log.after(c.filter, c.position, int(req.MaxCount))
	if len(events) > 0 {
		c.position = events[len(events)-1].GetEvent().Key
	}

	body.Res = &types.ReadNextEventsResponse{Returnval: events}
	return body
}

func (c *EventHistoryCollector) ReadPreviousEvents(req *types.ReadPreviousEvents) soap.HasFault {
	body := &methods.ReadPreviousEventsBody{}
	if fault := validateMaxCount(req.MaxCount); fault != nil {
		body.Fault_ = fault
		return body
	}

	events := c.log.before(c.filter, c.position, c.floor, int(req.MaxCount))
	if len(events) > 0 {
		c.position = events[len(events)-1].GetEvent().Key - 1
	}

	body.Res = &types.ReadPreviousEventsResponse{Returnval: events}
	return body
}

// ResetCollector moves the position to just before latestPage.
func (c *EventHistoryCollector) ResetCollector(req *types.ResetCollector) soap.HasFault {
	page := c.latestPage()
	c.position = c.floor
	if len(page) == c.pageSize {
		c.position = page[len(page)-1].GetEvent().Key - 1
	}
	return &methods.ResetCollectorBody{Res: &types.ResetCollectorResponse{}}
}

// RewindCollector moves the position to before the oldest event.
func (c *EventHistoryCollector) RewindCollector(req *types.RewindCollector) soap.HasFault {
	c.position = c.floor
	return &methods.RewindCollectorBody{Res: &types.RewindCollectorResponse{}}
}

func (c *EventHistoryCollector) DestroyCollector(ctx *simulator.Context, req *types.DestroyCollector) soap.HasFault {
	ctx.Session.Remove(c.Self)
	c.log.removeCollector(c)
	return &methods.DestroyCollectorBody{Res: &types.DestroyCollectorResponse{}}
}

func validateMaxCount(maxCount int32) *soap.Fault {
	if maxCount < 1 || maxCount > maxCollectorPageSize {
		return invalidArgument("maxCount",
			fmt.Sprintf("invalid maxCount %d: expected 1 to %d", maxCount, maxCollectorPageSize))
	}
	return nil
}
