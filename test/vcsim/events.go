package main

import (
	"fmt"
	"reflect"
	"sort"
	"sync"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// maxStoredEvents bounds the event history. Past it, each new event drops
// the oldest one.
const maxStoredEvents = 100000

// defaultQueryEvents is how many events QueryEvents returns when the filter
// sets no maxCount.
const defaultQueryEvents = 1000

// eventLog is the event history of the simulated vCenter, ordered by key,
// and the collectors that read it.
type eventLog struct {
	mu       sync.RWMutex
	events   []types.BaseEvent // ascending key
	lastKey  int32
	capacity int

	// stockManager is the simulator's EventManager at the reference that
	// clients use. Its latestEvent property shows the newest event here.
	stockManager *simulator.EventManager

	collectorsMu sync.Mutex
	collectors   map[*EventHistoryCollector]struct{}
	perSession   map[string]int
	// maxCollectors bounds the collectors of one session, as
	// EventManager.maxCollector does.
	maxCollectors int
}

func newEventLog(stockManager *simulator.EventManager, capacity int) *eventLog {
	maxCollectors := int(stockManager.MaxCollector)
	if maxCollectors <= 0 {
		maxCollectors = 1000
	}
	return &eventLog{
		capacity:      capacity,
		stockManager:  stockManager,
		collectors:    make(map[*EventHistoryCollector]struct{}),
		perSession:    make(map[string]int),
		maxCollectors: maxCollectors,
	}
}

// post adds events in order and returns their keys. Each event gets the
// next key, a chainId equal to its key unless it has one, and the current
// time as createdTime unless it has one.
func (l *eventLog) post(events ...types.BaseEvent) []int32 {
	keys := make([]int32, len(events))
	now := time.Now()

	l.mu.Lock()
	for i, event := range events {
		e := event.GetEvent()
		l.lastKey++
		e.Key = l.lastKey
		if e.ChainId == 0 {
			e.ChainId = e.Key
		}
		if e.CreatedTime.IsZero() {
			e.CreatedTime = now
		}
		keys[i] = e.Key

		if len(l.events) >= l.capacity {
			// Clearing the slot lets the dropped event be collected before
			// append moves the slice to a new array.
			l.events[0] = nil
			l.events = l.events[1:]
		}
		l.events = append(l.events, event)
	}
	l.mu.Unlock()

	if len(events) > 0 {
		l.announce(events)
	}
	return keys
}

// announce publishes the new latestEvent of the EventManager and the new
// latestPage of every collector that one of events matches, for
// WaitForUpdatesEx watchers.
func (l *eventLog) announce(events []types.BaseEvent) {
	newest := events[len(events)-1]
	simulator.Map.WithLock(l.stockManager, func() {
		simulator.Map.Update(l.stockManager, []types.PropertyChange{
			{Name: "latestEvent", Op: types.PropertyChangeOpAssign, Val: newest},
		})
	})

	for _, c := range l.liveCollectors() {
		simulator.Map.WithLock(c, func() {
			if c.matchesAny(events) {
				simulator.Map.Update(c, []types.PropertyChange{
					{Name: "latestPage", Op: types.PropertyChangeOpAssign, Val: c.latestPage()},
				})
			}
		})
	}
}

// NOTE: a collector whose session ends without DestroyCollector stays
// registered, and so keeps counting against its session and being checked
// by announce, until the simulator exits.
func (l *eventLog) liveCollectors() []*EventHistoryCollector {
	l.collectorsMu.Lock()
	defer l.collectorsMu.Unlock()

	live := make([]*EventHistoryCollector, 0, len(l.collectors))
	for c := range l.collectors {
		live = append(live, c)
	}
	return live
}

func (l *eventLog) addCollector(c *EventHistoryCollector) *soap.Fault {
	l.collectorsMu.Lock()
	defer l.collectorsMu.Unlock()

	if l.perSession[c.session] >= l.maxCollectors {
		return simulator.Fault(fmt.Sprintf("too many event collectors: the session already has %d", l.maxCollectors),
			&types.InvalidState{})
	}
	l.perSession[c.session]++
	l.collectors[c] = struct{}{}
	return nil
}

func (l *eventLog) removeCollector(c *EventHistoryCollector) {
	l.collectorsMu.Lock()
	defer l.collectorsMu.Unlock()

	if _, ok := l.collectors[c]; !ok {
		return
	}
	delete(l.collectors, c)
	l.perSession[c.session]--
	if l.perSession[c.session] <= 0 {
		delete(l.perSession, c.session)
	}
}

// newest returns up to limit events that filter matches and whose key is
// above floor, newest first.
func (l *eventLog) newest(filter *eventFilter, floor int32, limit int) []types.BaseEvent {
	l.mu.RLock()
	defer l.mu.RUnlock()

	var found []types.BaseEvent
	for i := len(l.events) - 1; i >= 0 && len(found) < limit; i-- {
		event := l.events[i]
		if event.GetEvent().Key <= floor {
			break
		}
		if filter.matches(event) {
			found = append(found, event)
		}
	}
	return found
}

// after returns up to limit events that filter matches and whose key is
// above key, oldest first.
func (l *eventLog) after(filter *eventFilter, key int32, limit int) []types.BaseEvent {
	l.mu.RLock()
	defer l.mu.RUnlock()

	start := sort.Search(len(l.events), func(i int) bool { return l.events[i].GetEvent().Key > key })

	var found []types.BaseEvent
	for i := start; i < len(l.events) && len(found) < limit; i++ {
		if filter.matches(l.events[i]) {
			found = append(found, l.events[i])
		}
	}
	return found
}

// before returns up to limit events that filter matches and whose key is at
// most key and above floor, newest first.
func (l *eventLog) before(filter *eventFilter, key, floor int32, limit int) []types.BaseEvent {
	l.mu.RLock()
	defer l.mu.RUnlock()

	end := sort.Search(len(l.events), func(i int) bool { return l.events[i].GetEvent().Key > key })

	var found []types.BaseEvent
	for i := end - 1; i >= 0 && len(found) < limit; i-- {
		event := l.events[i]
		if event.GetEvent().Key <= floor {
			break
		}
		if filter.matches(event) {
			found = append(found, event)
		}
	}
	return found
}

// EventManager handles the EventManager methods that clients call on the
// reference in ServiceContent. sdkFilter routes those calls here, because
// the simulator's own EventManager must stay at that reference. It skips the
// registry lock, because log has its own.
type EventManager struct {
	mo.EventManager

	log *eventLog
}

// installEventManager registers the EventManager that the EventManager
// methods of filter are routed to, and returns its event log.
func installEventManager(filter *sdkFilter) *eventLog {
	content := simulator.Map.Get(vim25.ServiceInstance).(*simulator.ServiceInstance).Content
	stock := simulator.Map.Get(*content.EventManager).(*simulator.EventManager)

	m := &EventManager{log: newEventLog(stock, maxStoredEvents)}
	m.Self = types.ManagedObjectReference{Type: "EventManager", Value: "vdrift-EventManager"}
	simulator.Map.Put(m)

	clientRef := stock.Self
	route := func(this types.ManagedObjectReference) (types.ManagedObjectReference, bool) {
		return m.Self, this == clientRef
	}
	for _, method := range []string{"CreateCollectorForEvents", "QueryEvents", "PostEvent"} {
		filter.route(method, route)
	}

	return m.log
}

// Lock and Unlock make the registry skip its per-object lock for the
// manager, so that calls do not wait for each other.
func (m *EventManager) Lock()   {}
func (m *EventManager) Unlock() {}

func (m *EventManager) CreateCollectorForEvents(ctx *simulator.Context, req *types.CreateCollectorForEvents) soap.HasFault {
	body := &methods.CreateCollectorForEventsBody{}

	filter, fault := newEventFilter(req.Filter)
	if fault != nil {
		body.Fault_ = fault
		return body
	}

	collector := newEventHistoryCollector(m.log, filter, sessionKey(ctx))
	if fault := m.log.addCollector(collector); fault != nil {
		body.Fault_ = fault
		return body
	}

	ref := ctx.Session.Put(collector).Reference()
	body.Res = &types.CreateCollectorForEventsResponse{Returnval: ref}
	return body
}

// QueryEvents returns the newest events that the filter matches, newest
// first: filter.maxCount of them, or defaultQueryEvents when it is unset.
func (m *EventManager) QueryEvents(ctx *simulator.Context, req *types.QueryEvents) soap.HasFault {
	body := &methods.QueryEventsBody{}

	filter, fault := newEventFilter(req.Filter)
	if fault != nil {
		body.Fault_ = fault
		return body
	}

	limit := int(req.Filter.MaxCount)
	if limit == 0 {
		limit = defaultQueryEvents
	}

	body.Res = &types.QueryEventsResponse{Returnval: m.log.newest(filter, 0, limit)}
	return body
}

// PostEvent adds eventToPost to the history. It keeps the event's
// createdTime, chainId and userName when the request sets them, and
// otherwise uses the current time, the new key and the session's user.
// taskInfo is ignored.
func (m *EventManager) PostEvent(ctx *simulator.Context, req *types.PostEvent) soap.HasFault {
	body := &methods.PostEventBody{}
	if req.EventToPost == nil {
		body.Fault_ = invalidArgument("eventToPost", "missing eventToPost")
		return body
	}

	event := req.EventToPost.GetEvent()
	if event.UserName == "" && ctx.Session != nil {
		event.UserName = ctx.Session.UserName
	}
	if event.FullFormattedMessage == "" {
		event.FullFormattedMessage = defaultMessage(req.EventToPost)
	}

	m.log.post(req.EventToPost)
	body.Res = &types.PostEventResponse{}
	return body
}

// defaultMessage returns the message that an event without a
// fullFormattedMessage gets: its own message field, or its type.
func defaultMessage(event types.BaseEvent) string {
	switch e := event.(type) {
	case *types.EventEx:
		if e.Message != "" {
			return e.Message
		}
		return e.EventTypeId
	case *types.ExtendedEvent:
		if e.Message != "" {
			return e.Message
		}
		return e.EventTypeId
	case *types.GeneralEvent:
		return e.Message
	}
	return reflect.TypeOf(event).Elem().Name()
}
