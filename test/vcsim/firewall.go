package main

import (
	"fmt"
	"net"
	"reflect"
	"strings"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// HostFirewallSystem replaces simulator.HostFirewallSystem for one host.
//
// The stock object of govmomi 0.24.2 shares one ruleset slice between all
// hosts and never updates HostSystem.config.firewall. This one owns a deep
// copy per host, keeps firewallInfo and config.firewall pointing at the same
// value, and publishes every change through simulator.Map.Update.
//
// Values are copy-on-write: a change builds a new HostFirewallInfo and never
// edits a published one, so property results that still reference the old
// value (a pending paged result, a response being encoded) stay consistent.
//
// Every successful change posts esx.audit.net.firewall.config.changed for
// the host, as ESXi does, even when it leaves the configuration as it was.
type HostFirewallSystem struct {
	mo.HostFirewallSystem

	host   *simulator.HostSystem
	events *hostEvents

	// current is the host's firewall configuration. It is kept while hidden
	// is true, so that making the firewall present again restores it.
	current *types.HostFirewallInfo
	hidden  bool
}

// installFirewallSystem replaces the stock firewall system of host with a
// HostFirewallSystem that starts from a private copy of template and posts
// its events to events. It must run before the server starts, because it
// changes the host without a lock.
func installFirewallSystem(host *simulator.HostSystem, template *types.HostFirewallInfo, events *hostEvents) *HostFirewallSystem {
	info := cloneFirewallInfo(template)

	fs := &HostFirewallSystem{host: host, events: events, current: info}
	fs.Self = *host.ConfigManager.FirewallSystem
	fs.FirewallInfo = info
	host.Config.Firewall = info

	simulator.Map.Put(fs)

	return fs
}

func (fs *HostFirewallSystem) EnableRuleset(ctx *simulator.Context, req *types.EnableRuleset) soap.HasFault {
	body := &methods.EnableRulesetBody{}

	next := cloneFirewallInfo(fs.current)
	if !simulator.EnableRuleset(next, req.Id) {
		body.Fault_ = rulesetNotFound(req.Id)
		return body
	}

	fs.publish(next)
	fs.events.firewallChanged(userName(ctx), "enable", "ruleset", req.Id)
	body.Res = &types.EnableRulesetResponse{}
	return body
}

func (fs *HostFirewallSystem) DisableRuleset(ctx *simulator.Context, req *types.DisableRuleset) soap.HasFault {
	body := &methods.DisableRulesetBody{}

	next := cloneFirewallInfo(fs.current)
	if !simulator.DisableRuleset(next, req.Id) {
		body.Fault_ = rulesetNotFound(req.Id)
		return body
	}

	fs.publish(next)
	fs.events.firewallChanged(userName(ctx), "disable", "ruleset", req.Id)
	body.Res = &types.DisableRulesetResponse{}
	return body
}

// UpdateRuleset replaces the whole allowedHosts list of one ruleset with
// spec.allowedHosts. Invalid addresses or prefix lengths raise InvalidArgument
// and change nothing.
func (fs *HostFirewallSystem) UpdateRuleset(ctx *simulator.Context, req *types.UpdateRuleset) soap.HasFault {
	body := &methods.UpdateRulesetBody{}

	if fault := validateIpList(&req.Spec.AllowedHosts); fault != nil {
		body.Fault_ = fault
		return body
	}

	next := cloneFirewallInfo(fs.current)
	ruleset := findRuleset(next, req.Id)
	if ruleset == nil {
		body.Fault_ = rulesetNotFound(req.Id)
		return body
	}

	allowed := cloneIpList(&req.Spec.AllowedHosts)
	ruleset.AllowedHosts = allowed

	fs.publish(next)
	fs.events.firewallChanged(userName(ctx), "update", "ruleset", req.Id)
	body.Res = &types.UpdateRulesetResponse{}
	return body
}

// UpdateDefaultPolicy sets incomingBlocked and outgoingBlocked. A field left
// out of the request keeps its current value.
func (fs *HostFirewallSystem) UpdateDefaultPolicy(ctx *simulator.Context, req *types.UpdateDefaultPolicy) soap.HasFault {
	fs.updateDefaultPolicy(userName(ctx), req.DefaultPolicy)
	return &methods.UpdateDefaultPolicyBody{Res: &types.UpdateDefaultPolicyResponse{}}
}

// updateDefaultPolicy applies the fields that policy sets for user. The
// caller must hold the lock of fs.
func (fs *HostFirewallSystem) updateDefaultPolicy(user string, policy types.HostFirewallDefaultPolicy) {
	next := cloneFirewallInfo(fs.current)

	if policy.IncomingBlocked != nil {
		next.DefaultPolicy.IncomingBlocked = types.NewBool(*policy.IncomingBlocked)
	}
	if policy.OutgoingBlocked != nil {
		next.DefaultPolicy.OutgoingBlocked = types.NewBool(*policy.OutgoingBlocked)
	}

	fs.publish(next)
	fs.events.firewallChanged(user, "update", "defaultPolicy", describePolicy(next.DefaultPolicy))
}

// incomingBlocked returns the incomingBlocked of the default policy, which
// is true when unset. The caller must hold the lock of fs.
func (fs *HostFirewallSystem) incomingBlocked() bool {
	blocked := fs.current.DefaultPolicy.IncomingBlocked
	return blocked == nil || *blocked
}

// describePolicy returns a policy as "incomingBlocked=true,outgoingBlocked=false",
// leaving out an unset field.
func describePolicy(policy types.HostFirewallDefaultPolicy) string {
	var parts []string
	if policy.IncomingBlocked != nil {
		parts = append(parts, fmt.Sprintf("incomingBlocked=%t", *policy.IncomingBlocked))
	}
	if policy.OutgoingBlocked != nil {
		parts = append(parts, fmt.Sprintf("outgoingBlocked=%t", *policy.OutgoingBlocked))
	}
	return strings.Join(parts, ",")
}

// userName returns the user of the calling session, or "" without one.
func userName(ctx *simulator.Context) string {
	if ctx.Session == nil {
		return ""
	}
	return ctx.Session.UserName
}

// RefreshFirewall does nothing, because the simulated firewall has no state
// outside this object to reload.
func (fs *HostFirewallSystem) RefreshFirewall(req *types.RefreshFirewall) soap.HasFault {
	return &methods.RefreshFirewallBody{Res: &types.RefreshFirewallResponse{}}
}

// setPresent shows or hides the firewall in property results. Hidden, both
// config.firewall and firewallInfo are unset, as a vCenter may report them for
// a host it cannot reach. The caller must hold the lock of fs.
//
// NOTE: the firewall methods still succeed while the firewall is hidden or the
// host is disconnected, where vCenter would likely raise a fault.
func (fs *HostFirewallSystem) setPresent(present bool) {
	if fs.hidden == !present {
		return
	}

	fs.hidden = !present
	if present {
		fs.assign(fs.current)
	} else {
		fs.assign(nil)
	}
}

// publish makes next the current configuration and, unless the firewall is
// hidden, announces it. A change that leaves the configuration equal to the
// current one is not announced, the same as vCenter sends no update for it.
func (fs *HostFirewallSystem) publish(next *types.HostFirewallInfo) {
	if reflect.DeepEqual(next, fs.current) {
		return
	}

	fs.current = next
	if !fs.hidden {
		fs.assign(next)
	}
}

// assign sets firewallInfo and the host's config.firewall to info, or unsets
// both when info is nil, and notifies property collectors of both changes.
func (fs *HostFirewallSystem) assign(info *types.HostFirewallInfo) {
	// Map.Update needs an untyped nil to unset a property, because it
	// dereferences a typed nil pointer.
	var value types.AnyType
	if info != nil {
		value = info
	}

	simulator.Map.Update(fs, []types.PropertyChange{{
		Name: "firewallInfo",
		Op:   types.PropertyChangeOpAssign,
		Val:  value,
	}})
	// Map.Update stores a shallow copy of the value. Store the pointer itself
	// so that both properties always share one value.
	fs.FirewallInfo = info

	simulator.Map.WithLock(fs.host, func() {
		simulator.Map.Update(fs.host, []types.PropertyChange{{
			Name: "config.firewall",
			Op:   types.PropertyChangeOpAssign,
			Val:  value,
		}})
		fs.host.Config.Firewall = info
	})
}

func findRuleset(info *types.HostFirewallInfo, id string) *types.HostFirewallRuleset {
	for i := range info.Ruleset {
		if info.Ruleset[i].Key == id {
			return &info.Ruleset[i]
		}
	}
	return nil
}

func rulesetNotFound(id string) *soap.Fault {
	return simulator.Fault(fmt.Sprintf("ruleset %q not found", id), &types.NotFound{})
}

// validateIpList checks the addresses and networks of an allowedHosts list,
// returning an InvalidArgument fault for the first invalid entry.
func validateIpList(list *types.HostFirewallRulesetIpList) *soap.Fault {
	for _, address := range list.IpAddress {
		if net.ParseIP(address) == nil {
			return invalidArgument("spec.allowedHosts.ipAddress",
				fmt.Sprintf("invalid IP address %q in spec.allowedHosts.ipAddress", address))
		}
	}

	for _, network := range list.IpNetwork {
		ip := net.ParseIP(network.Network)
		if ip == nil {
			return invalidArgument("spec.allowedHosts.ipNetwork",
				fmt.Sprintf("invalid network address %q in spec.allowedHosts.ipNetwork", network.Network))
		}

		maxPrefix := int32(128)
		if ip.To4() != nil {
			maxPrefix = 32
		}
		if network.PrefixLength < 0 || network.PrefixLength > maxPrefix {
			return invalidArgument("spec.allowedHosts.ipNetwork",
				fmt.Sprintf("invalid prefix length %d for network %s: expected 0 to %d",
					network.PrefixLength, network.Network, maxPrefix))
		}
	}

	return nil
}

func invalidArgument(property, message string) *soap.Fault {
	return simulator.Fault(message, &types.InvalidArgument{InvalidProperty: property})
}

// cloneFirewallInfo returns a deep copy of info. The DynamicData fields are
// shared, because nothing here sets them.
func cloneFirewallInfo(info *types.HostFirewallInfo) *types.HostFirewallInfo {
	clone := *info
	clone.DefaultPolicy.IncomingBlocked = cloneBool(info.DefaultPolicy.IncomingBlocked)
	clone.DefaultPolicy.OutgoingBlocked = cloneBool(info.DefaultPolicy.OutgoingBlocked)

	clone.Ruleset = make([]types.HostFirewallRuleset, len(info.Ruleset))
	for i, ruleset := range info.Ruleset {
		ruleset.Rule = append([]types.HostFirewallRule(nil), ruleset.Rule...)
		if ruleset.AllowedHosts != nil {
			ruleset.AllowedHosts = cloneIpList(ruleset.AllowedHosts)
		}
		clone.Ruleset[i] = ruleset
	}

	return &clone
}

func cloneIpList(list *types.HostFirewallRulesetIpList) *types.HostFirewallRulesetIpList {
	clone := *list
	clone.IpAddress = append([]string(nil), list.IpAddress...)
	clone.IpNetwork = append([]types.HostFirewallRulesetIpNetwork(nil), list.IpNetwork...)
	return &clone
}

func cloneBool(value *bool) *bool {
	if value == nil {
		return nil
	}
	return types.NewBool(*value)
}
