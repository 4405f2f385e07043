package main

import (
	"fmt"
	"reflect"
	"sync"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// eventFilter is an EventFilterSpec checked once and ready to match events.
// It is safe for concurrent use.
type eventFilter struct {
	spec types.EventFilterSpec

	entity    *types.EventFilterSpecByEntity
	root      types.ManagedObjectReference
	ancestors *ancestorCache

	begin, end *time.Time

	byUser     bool
	systemUser bool
	users      map[string]bool

	typeIDs    map[string]bool
	classNames []string
	chainID    int32
}

// newEventFilter checks spec and returns its filter, or an InvalidArgument
// fault for a field that is invalid or that the simulator does not support,
// or ManagedObjectNotFound for an unknown entity.
func newEventFilter(spec types.EventFilterSpec) (*eventFilter, *soap.Fault) {
	unsupported := []struct {
		name string
		set  bool
	}{
		{"filter.category", len(spec.Category) > 0},
		{"filter.tag", len(spec.Tag) > 0},
		{"filter.alarm", spec.Alarm != nil},
		{"filter.scheduledTask", spec.ScheduledTask != nil},
	}
	for _, field := range unsupported {
		if field.set {
			return nil, invalidArgument(field.name, fmt.Sprintf("%s is not supported by the simulator", field.name))
		}
	}
	if spec.MaxCount < 0 {
		return nil, invalidArgument("filter.maxCount",
			fmt.Sprintf("invalid filter.maxCount %d: expected a positive number or unset", spec.MaxCount))
	}

	f := &eventFilter{spec: spec, chainID: spec.EventChainId, classNames: spec.Type}

	if spec.Entity != nil {
		if fault := f.setEntity(spec.Entity); fault != nil {
			return nil, fault
		}
	}

	if spec.Time != nil {
		f.begin = spec.Time.BeginTime
		f.end = spec.Time.EndTime
	}

	if spec.UserName != nil {
		f.byUser = true
		f.systemUser = spec.UserName.SystemUser
		f.users = make(map[string]bool, len(spec.UserName.UserList))
		for _, user := range spec.UserName.UserList {
			f.users[user] = true
		}
	}

	if len(spec.EventTypeId) > 0 {
		f.typeIDs = make(map[string]bool, len(spec.EventTypeId))
		for _, id := range spec.EventTypeId {
			f.typeIDs[id] = true
		}
	}

	return f, nil
}

func (f *eventFilter) setEntity(entity *types.EventFilterSpecByEntity) *soap.Fault {
	switch entity.Recursion {
	case types.EventFilterSpecRecursionOptionSelf,
		types.EventFilterSpecRecursionOptionChildren,
		types.EventFilterSpecRecursionOptionAll:
	default:
		return invalidArgument("filter.entity.recursion",
			fmt.Sprintf("invalid filter.entity.recursion %q: expected self, children or all", entity.Recursion))
	}

	if simulator.Map.Get(entity.Entity) == nil {
		return simulator.Fault(fmt.Sprintf("entity %s not found", entity.Entity),
			&types.ManagedObjectNotFound{Obj: entity.Entity})
	}

	f.entity = entity
	f.root = simulator.Map.Get(vim25.ServiceInstance).(*simulator.ServiceInstance).Content.RootFolder
	f.ancestors = &ancestorCache{ancestor: entity.Entity, known: make(map[types.ManagedObjectReference]bool)}
	return nil
}

// matches reports whether event passes every condition of the filter.
func (f *eventFilter) matches(event types.BaseEvent) bool {
	e := event.GetEvent()

	if f.chainID != 0 && e.ChainId != f.chainID {
		return false
	}
	if f.begin != nil && e.CreatedTime.Before(*f.begin) {
		return false
	}
	if f.end != nil && e.CreatedTime.After(*f.end) {
		return false
	}
	if f.byUser && !(f.users[e.UserName] || (f.systemUser && e.UserName == "")) {
		return false
	}
	if f.typeIDs != nil && !f.typeIDs[eventTypeID(event)] {
		return false
	}
	if len(f.classNames) > 0 && !isEventClass(event, f.classNames) {
		return false
	}
	if f.entity != nil && !f.entityMatches(event) {
		return false
	}
	return true
}

// entityMatches applies filter.entity to the entity the event is about.
// An event about no entity counts as an event about the root folder.
func (f *eventFilter) entityMatches(event types.BaseEvent) bool {
	subject, ok := eventSubject(event)
	if !ok {
		subject = f.root
	}

	self := subject == f.entity.Entity
	child := !self && f.ancestors.isDescendant(subject)

	switch f.entity.Recursion {
	case types.EventFilterSpecRecursionOptionSelf:
		return self
	case types.EventFilterSpecRecursionOptionChildren:
		return child
	default:
		return self || child
	}
}

// eventTypeID returns the type id that filter.eventTypeId compares: the
// eventTypeId of an EventEx or ExtendedEvent, and the class name of any
// other event, such as "UserLoginSessionEvent".
func eventTypeID(event types.BaseEvent) string {
	switch e := event.(type) {
	case *types.EventEx:
		return e.EventTypeId
	case *types.ExtendedEvent:
		return e.EventTypeId
	}
	return reflect.TypeOf(event).Elem().Name()
}

// isEventClass reports whether event is of one of the classes in names or
// of a subclass of one, as filter.type compares.
func isEventClass(event types.BaseEvent, names []string) bool {
	kind := reflect.TypeOf(event).Elem()
	for _, name := range names {
		if kind.Name() == name {
			return true
		}
		if field, ok := kind.FieldByName(name); ok && field.Anonymous {
			return true
		}
	}
	return false
}

// eventSubject returns the most specific entity that event is about: the
// managedObject of an ExtendedEvent, else the first of its vm, host,
// datastore, network, dvs, computeResource and datacenter arguments, else
// the object named by an EventEx.
func eventSubject(event types.BaseEvent) (types.ManagedObjectReference, bool) {
	if ext, ok := event.(*types.ExtendedEvent); ok && ext.ManagedObject.Value != "" {
		return ext.ManagedObject, true
	}

	e := event.GetEvent()
	switch {
	case e.Vm != nil:
		return e.Vm.Vm, true
	case e.Host != nil:
		return e.Host.Host, true
	case e.Ds != nil:
		return e.Ds.Datastore, true
	case e.Net != nil:
		return e.Net.Network, true
	case e.Dvs != nil:
		return e.Dvs.Dvs, true
	case e.ComputeResource != nil:
		return e.ComputeResource.ComputeResource, true
	case e.Datacenter != nil:
		return e.Datacenter.Datacenter, true
	}

	if ex, ok := event.(*types.EventEx); ok && ex.ObjectId != "" && ex.ObjectType != "" {
		return types.ManagedObjectReference{Type: ex.ObjectType, Value: ex.ObjectId}, true
	}
	return types.ManagedObjectReference{}, false
}

// ancestorCache records whether each entity lies below one ancestor in the
// inventory. The simulated inventory never moves an entity, so a recorded
// result stays valid.
type ancestorCache struct {
	ancestor types.ManagedObjectReference

	mu    sync.Mutex
	known map[types.ManagedObjectReference]bool
}

func (c *ancestorCache) isDescendant(ref types.ManagedObjectReference) bool {
	c.mu.Lock()
	defer c.mu.Unlock()

	if below, ok := c.known[ref]; ok {
		return below
	}

	below := false
	for current, ok := parentOf(ref); ok; current, ok = parentOf(current) {
		if current == c.ancestor {
			below = true
			break
		}
	}
	c.known[ref] = below
	return below
}

// parentOf returns the inventory parent of the entity ref, or false when ref
// is not an entity or has no parent.
func parentOf(ref types.ManagedObjectReference) (types.ManagedObjectReference, bool) {
	entity, ok := simulator.Map.Get(ref).(mo.Entity)
	if !ok {
		return types.ManagedObjectReference{}, false
	}
	parent := entity.Entity().Parent
	if parent == nil {
		return types.ManagedObjectReference{}, false
	}
	return *parent, true
}
