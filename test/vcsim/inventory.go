package main

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/simulator/esx"
	"github.com/vmware/govmomi/vim25/types"
)

// inventorySize is the shape of the simulated vCenter: one datacenter with
// clusters of clusterHosts hosts each, and standalone hosts beside them.
type inventorySize struct {
	clusters     int
	clusterHosts int
	standalone   int
}

func (s inventorySize) hosts() int {
	return s.clusters*s.clusterHosts + s.standalone
}

// simHost is one simulated ESXi host and the objects the control API changes.
type simHost struct {
	host     *simulator.HostSystem
	firewall *HostFirewallSystem
	executer *MethodExecuter
	events   *hostEvents
	// cluster is the name of the host's cluster, or "" for a standalone host.
	cluster string

	// mu guards the settings below, which the control API sets.
	mu sync.Mutex
	// apiVersion is the version the host reports, or "" for the
	// simulator's own.
	apiVersion string
	// deny lists the HostSystem property paths reported as NoPermission.
	deny []string
}

// inventory lists the simulated hosts in a stable order and finds them by
// name or managed object id.
type inventory struct {
	hosts    []*simHost
	byKey    map[string]*simHost
	events   *eventLog
	settings *simSettings
}

// newModel returns a vCenter model of the given size with no virtual
// machines, datastores, portgroups or resource pools, so that thousands of
// hosts start quickly and fit in memory.
//
// It also removes the firewall from the host configuration template
// esx.HostConfigInfo. simulator.NewHostSystem deep-copies that template
// through XML for every host, and the firewall was about a third of it, but
// buildInventory replaces each host's firewall anyway.
//
// A non-empty apiVersion replaces the version in vCenter's about
// information.
func newModel(size inventorySize, apiVersion string) *simulator.Model {
	esx.HostConfigInfo.Firewall = nil

	model := simulator.VPX()
	if apiVersion != "" {
		about := &model.ServiceContent.About
		about.ApiVersion = apiVersion
		about.Version = productVersion(apiVersion)
		about.FullName = fmt.Sprintf("VMware vCenter Server %s build-%s", about.Version, about.Build)
	}

	model.Datacenter = 1
	model.Cluster = size.clusters
	model.ClusterHost = size.clusterHosts
	model.Host = size.standalone

	model.Machine = 0
	model.Datastore = 0
	model.Portgroup = 0
	model.PortgroupNSX = 0
	model.OpaqueNetwork = 0
	model.Pool = 0
	model.App = 0
	model.Pod = 0
	model.Folder = 0
	model.Autostart = false

	return model
}

// buildInventory gives every host created by the model its own
// HostFirewallSystem and method executer, routes
// RetrieveManagedMethodExecuter calls on the host to the executer, and
// indexes the hosts. It must run before the server starts.
func buildInventory(filter *sdkFilter, events *eventLog, settings *simSettings) (*inventory, error) {
	inv := &inventory{byKey: make(map[string]*simHost), events: events, settings: settings}
	executers := make(map[types.ManagedObjectReference]types.ManagedObjectReference)

	for _, entity := range simulator.Map.All("HostSystem") {
		host, ok := entity.(*simulator.HostSystem)
		if !ok {
			return nil, fmt.Errorf("unexpected type %T for %s", entity, entity.Reference())
		}

		cluster := ""
		if parent, ok := simulator.Map.Get(*host.Parent).(*simulator.ClusterComputeResource); ok {
			cluster = parent.Name
		}

		hostEvents := newHostEvents(host, events, settings)
		firewall := installFirewallSystem(host, &esx.HostFirewallInfo, hostEvents)
		entry := &simHost{
			host:     host,
			firewall: firewall,
			executer: installMethodExecuter(host, firewall, hostEvents),
			events:   hostEvents,
			cluster:  cluster,
		}
		executers[host.Self] = entry.executer.Self
		inv.hosts = append(inv.hosts, entry)
		inv.byKey[host.Self.Value] = entry
		inv.byKey[host.Name] = entry
	}

	filter.route("RetrieveManagedMethodExecuter", func(this types.ManagedObjectReference) (types.ManagedObjectReference, bool) {
		executer, ok := executers[this]
		return executer, ok
	})

	// Registry.All walks a map, so sort by the number in the moid, which is
	// the order in which the model created the hosts.
	sort.Slice(inv.hosts, func(i, j int) bool {
		return moidNumber(inv.hosts[i].host.Self.Value) < moidNumber(inv.hosts[j].host.Self.Value)
	})

	return inv, nil
}

// find returns the host whose name or managed object id is key.
func (inv *inventory) find(key string) (*simHost, bool) {
	entry, ok := inv.byKey[key]
	return entry, ok
}

// moidNumber returns the number after the last "-" of a moid such as
// "host-42", or -1 when there is none.
func moidNumber(moid string) int {
	n, err := strconv.Atoi(moid[strings.LastIndex(moid, "-")+1:])
	if err != nil {
		return -1
	}
	return n
}
