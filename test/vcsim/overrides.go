package main

import (
	"strings"
	"sync"
	"sync/atomic"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// noPermissionMessage is the localizedMessage of a NoPermission fault.
const noPermissionMessage = "Permission to perform this operation was denied."

// hostOverride is how property results differ for one host from what the
// stock collector returns.
type hostOverride struct {
	host types.ManagedObjectReference
	// deny lists property paths of the HostSystem that the session may not
	// read. They are returned in missingSet with a NoPermission fault.
	deny []string
	// rulesetFlags adds the API 8.0.2.0 ruleset fields to the host's
	// firewall configuration for sessions that announce 8.0.2.0 or later.
	rulesetFlags bool
}

func (o *hostOverride) empty() bool {
	return len(o.deny) == 0 && !o.rulesetFlags
}

// propertyOverrides changes RetrievePropertiesEx results per host after the
// stock collector built them. It is package state because the simulator
// creates each session's property collector with reflect.New, which leaves
// every field of it unset.
type propertyOverrides struct {
	versions *sessionVersions

	mu sync.Mutex // serializes publish
	// hosts contains a map[types.ManagedObjectReference]*hostOverride, keyed
	// by HostSystem and by HostFirewallSystem. A change replaces the whole
	// map, so readers need no lock, and an empty map costs one load.
	hosts atomic.Value
}

var overrides = newPropertyOverrides(newSessionVersions())

func newPropertyOverrides(versions *sessionVersions) *propertyOverrides {
	o := &propertyOverrides{versions: versions}
	o.hosts.Store(map[types.ManagedObjectReference]*hostOverride{})
	return o
}

func (o *propertyOverrides) load() map[types.ManagedObjectReference]*hostOverride {
	return o.hosts.Load().(map[types.ManagedObjectReference]*hostOverride)
}

// publish sets the override of the objects in refs, or removes it when
// override is empty.
func (o *propertyOverrides) publish(refs []types.ManagedObjectReference, override *hostOverride) {
	o.mu.Lock()
	defer o.mu.Unlock()

	current := o.load()
	next := make(map[types.ManagedObjectReference]*hostOverride, len(current)+len(refs))
	for ref, value := range current {
		next[ref] = value
	}
	for _, ref := range refs {
		if override.empty() {
			delete(next, ref)
		} else {
			next[ref] = override
		}
	}
	o.hosts.Store(next)
}

// apply changes objects, the result of specs for the calling session, in
// place.
func (o *propertyOverrides) apply(ctx *simulator.Context, specs []types.PropertyFilterSpec, objects []types.ObjectContent) {
	hosts := o.load()
	if len(hosts) == 0 {
		return
	}

	flags := versionAtLeast(o.versions.lookup(sessionKey(ctx)), rulesetFlagsVersion)
	var requested []string
	requestedKnown := false

	for i := range objects {
		override, ok := hosts[objects[i].Obj]
		if !ok {
			continue
		}

		if len(override.deny) > 0 && objects[i].Obj.Type == "HostSystem" {
			if !requestedKnown {
				requested = requestedHostPaths(specs)
				requestedKnown = true
			}
			denyPaths(&objects[i], requested, override)
		}

		if flags && override.rulesetFlags {
			addRulesetFlags(&objects[i])
		}
	}
}

// requestedHostPaths returns the paths that specs request for HostSystem
// objects, directly or through a base type.
func requestedHostPaths(specs []types.PropertyFilterSpec) []string {
	var paths []string
	for _, spec := range specs {
		for _, prop := range spec.PropSet {
			switch prop.Type {
			case "HostSystem", "ManagedEntity", "ExtensibleManagedObject":
				paths = append(paths, prop.PathSet...)
			}
		}
	}
	return paths
}

// denyPaths moves the properties of content that override denies from
// propSet to missingSet. A requested path is denied when it equals a denied
// path, lies under one, or contains one (asking for "config" when
// "config.firewall" is denied), so that no request reads a denied value.
// A path already in missingSet, such as one without a session, keeps its
// fault.
func denyPaths(content *types.ObjectContent, requested []string, override *hostOverride) {
	missing := make(map[string]bool, len(content.MissingSet))
	for _, m := range content.MissingSet {
		missing[m.Path] = true
	}

	addMissing := func(path string) {
		if missing[path] {
			return
		}
		missing[path] = true
		content.MissingSet = append(content.MissingSet, types.MissingProperty{
			Path: path,
			Fault: types.LocalizedMethodFault{
				Fault:            &types.NoPermission{Object: override.host, PrivilegeId: "System.Read"},
				LocalizedMessage: noPermissionMessage,
			},
		})
	}

	allowed := content.PropSet[:0]
	for _, prop := range content.PropSet {
		if pathDenied(prop.Name, override.deny) {
			addMissing(prop.Name)
			continue
		}
		allowed = append(allowed, prop)
	}
	content.PropSet = allowed

	// A denied property that has no value, such as config.firewall of a host
	// whose firewall is absent, is still reported as denied.
	for _, path := range requested {
		if pathDenied(path, override.deny) {
			addMissing(path)
		}
	}
}

func pathDenied(path string, deny []string) bool {
	for _, denied := range deny {
		if path == denied || strings.HasPrefix(path, denied+".") || strings.HasPrefix(denied, path+".") {
			return true
		}
	}
	return false
}

// addRulesetFlags replaces every firewall configuration value in content,
// from HostSystem.config.firewall or HostFirewallSystem.firewallInfo, with
// one that carries the API 8.0.2.0 ruleset fields.
func addRulesetFlags(content *types.ObjectContent) {
	for i := range content.PropSet {
		switch value := content.PropSet[i].Val.(type) {
		case types.HostFirewallInfo:
			content.PropSet[i].Val = withRulesetFlags(&value)
		case *types.HostFirewallInfo:
			content.PropSet[i].Val = withRulesetFlags(value)
		}
	}
}
