package main

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// esxcli over the vSphere API: HostSystem.RetrieveManagedMethodExecuter
// returns a ReflectManagedMethodExecuter, whose ExecuteSoap runs an esxcli
// command named by a managed object id and a method, and returns the
// command's result as an XML document in a string. govmomi keeps these
// types in its internal package, which other packages cannot import, so
// the ones here mirror them.

const (
	esxcliFirewallMoid = "ha-cli-handler-network-firewall"
	esxcliFirewallGet  = "vim.EsxCLI.network.firewall.get"
	esxcliFirewallSet  = "vim.EsxCLI.network.firewall.set"
)

// Values of POST /vdrift-sim/host "esxcliFault".
const (
	esxcliFaultNotSupported = "NotSupported"
	esxcliFaultTimeout      = "timeout"
)

// esxcliTimeoutDelay is how long ExecuteSoap waits before it fails on a
// host set to "esxcliFault": "timeout", unless the server stops first.
const esxcliTimeoutDelay = 30 * time.Second

// esxcliObject is the document that ExecuteSoap returns in response: the
// esxcli result type and its content.
const esxcliObject = `<obj xmlns:xsd="http://www.w3.org/2001/XMLSchema"` +
	` xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="urn:vim25"` +
	` versionId="5.0" xsi:type="%s">%s</obj>`

func init() {
	// govmomi's internal package registers its own request type for
	// RetrieveManagedMethodExecuter, and none for ExecuteSoap. This init
	// runs after those of all imported packages, so these entries win.
	types.Add("RetrieveManagedMethodExecuter", reflect.TypeOf((*retrieveManagedMethodExecuterRequest)(nil)).Elem())
	types.Add("ExecuteSoap", reflect.TypeOf((*executeSoapRequest)(nil)).Elem())
}

type retrieveManagedMethodExecuterRequest struct {
	This types.ManagedObjectReference `xml:"_this"`
}

// RetrieveManagedMethodExecuterResponse is named as the response element,
// because the simulator writes the Go type name as the element name.
type RetrieveManagedMethodExecuterResponse struct {
	Returnval types.ManagedObjectReference `xml:"returnval"`
}

type retrieveManagedMethodExecuterBody struct {
	Res    *RetrieveManagedMethodExecuterResponse
	Fault_ *soap.Fault
}

func (b *retrieveManagedMethodExecuterBody) Fault() *soap.Fault { return b.Fault_ }

// soapArgument is one argument of an esxcli command. Val is an XML
// fragment named after the argument, such as "<enabled>false</enabled>".
type soapArgument struct {
	Name string `xml:"name"`
	Val  string `xml:"val"`
}

type executeSoapRequest struct {
	This     types.ManagedObjectReference `xml:"_this"`
	Moid     string                       `xml:"moid"`
	Version  string                       `xml:"version"`
	Method   string                       `xml:"method"`
	Argument []soapArgument               `xml:"argument,omitempty"`
}

// soapResult is ReflectManagedMethodExecuterSoapResult: the command's
// result document, or the fault of a command that failed.
type soapResult struct {
	Response string     `xml:"response,omitempty"`
	Fault    *soapFault `xml:"fault,omitempty"`
}

// soapFault is ReflectManagedMethodExecuterSoapFault.
type soapFault struct {
	FaultMsg    []string `xml:"faultMsg,omitempty"`
	FaultDetail string   `xml:"faultDetail,omitempty"`
}

// ExecuteSoapResponse is named as the response element, because the
// simulator writes the Go type name as the element name.
type ExecuteSoapResponse struct {
	Returnval *soapResult `xml:"returnval,omitempty"`
}

type executeSoapBody struct {
	Res    *ExecuteSoapResponse
	Fault_ *soap.Fault
}

func (b *executeSoapBody) Fault() *soap.Fault { return b.Fault_ }

// MethodExecuter is the ReflectManagedMethodExecuter of one host. It runs
// the esxcli commands "network firewall get" and "network firewall set"
// against the host's HostFirewallSystem and its own firewall switch.
//
// It embeds mo.ExtensibleManagedObject only for Self, and so that a
// property request on it finds a managed object type and reports unknown
// properties instead of failing.
type MethodExecuter struct {
	mo.ExtensibleManagedObject

	firewall *HostFirewallSystem
	events   *hostEvents

	mu sync.Mutex
	// enabled is the esxcli firewall switch, which no vSphere property
	// shows.
	enabled bool
	// fault is "", esxcliFaultNotSupported or esxcliFaultTimeout.
	fault string
}

// installMethodExecuter registers the method executer of host, named
// after the number in the host's moid: ManagedMethodExecuter-42 for
// host-42.
func installMethodExecuter(host *simulator.HostSystem, firewall *HostFirewallSystem, events *hostEvents) *MethodExecuter {
	e := &MethodExecuter{firewall: firewall, events: events, enabled: true}
	e.Self = types.ManagedObjectReference{
		Type:  "ReflectManagedMethodExecuter",
		Value: "ManagedMethodExecuter-" + host.Self.Value[strings.LastIndex(host.Self.Value, "-")+1:],
	}
	simulator.Map.Put(e)
	return e
}

// Lock and Unlock make the registry skip its per-object lock, so that a
// call that waits for esxcliTimeoutDelay does not hold up other calls. mu
// guards the fields instead.
func (e *MethodExecuter) Lock()   {}
func (e *MethodExecuter) Unlock() {}

// RetrieveManagedMethodExecuter returns e. sdkFilter routes the call made
// on the host here.
func (e *MethodExecuter) RetrieveManagedMethodExecuter(req *retrieveManagedMethodExecuterRequest) soap.HasFault {
	return &retrieveManagedMethodExecuterBody{
		Res: &RetrieveManagedMethodExecuterResponse{Returnval: e.Self},
	}
}

// ExecuteSoap runs one esxcli command. An unknown moid or method raises
// InvalidArgument. A command that rejects its arguments returns its
// message in the result's fault element.
func (e *MethodExecuter) ExecuteSoap(ctx *simulator.Context, req *executeSoapRequest) soap.HasFault {
	body := &executeSoapBody{}

	switch e.faultMode() {
	case esxcliFaultNotSupported:
		body.Fault_ = simulator.Fault(fmt.Sprintf("esxcli is not supported on host %s", e.events.name),
			&types.NotSupported{})
		return body
	case esxcliFaultTimeout:
		timer := time.NewTimer(esxcliTimeoutDelay)
		select {
		case <-timer.C:
		case <-stopping:
			timer.Stop()
		}
		body.Fault_ = simulator.Fault(fmt.Sprintf("host %s timed out after %s", e.events.name, esxcliTimeoutDelay),
			&types.HostCommunication{})
		return body
	}

	if req.Moid != esxcliFirewallMoid {
		body.Fault_ = invalidArgument("moid", fmt.Sprintf("unknown esxcli object %q: expected %s", req.Moid, esxcliFirewallMoid))
		return body
	}

	var result *soapResult
	switch req.Method {
	case esxcliFirewallGet:
		result = e.firewallGet()
	case esxcliFirewallSet:
		result = e.firewallSet(userName(ctx), req.Argument)
	default:
		body.Fault_ = invalidArgument("method", fmt.Sprintf("unknown method %q of esxcli object %s: expected %s or %s",
			req.Method, req.Moid, esxcliFirewallGet, esxcliFirewallSet))
		return body
	}

	body.Res = &ExecuteSoapResponse{Returnval: result}
	return body
}

func (e *MethodExecuter) faultMode() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.fault
}

// firewallGet returns the VimEsxCLInetworkfirewallgetFirewall document.
// DefaultAction is DROP while the default policy blocks incoming traffic,
// and PASS otherwise.
func (e *MethodExecuter) firewallGet() *soapResult {
	var blocked bool
	simulator.Map.WithLock(e.firewall, func() { blocked = e.firewall.incomingBlocked() })

	e.mu.Lock()
	enabled := e.enabled
	e.mu.Unlock()

	action := "PASS"
	if blocked {
		action = "DROP"
	}

	content := fmt.Sprintf("<DefaultAction>%s</DefaultAction><Enabled>%t</Enabled><Loaded>true</Loaded>", action, enabled)
	return &soapResult{Response: fmt.Sprintf(esxcliObject, "VimEsxCLInetworkfirewallgetFirewall", content)}
}

// firewallSet applies the arguments enabled and defaultaction, where
// defaultaction true means PASS. It sets incomingBlocked of the default
// policy and leaves outgoingBlocked. Turning the firewall off or on posts
// the matching event, and a default action posts config.changed.
func (e *MethodExecuter) firewallSet(user string, args []soapArgument) *soapResult {
	var enabled, pass *bool

	for _, arg := range args {
		value, err := parseBoolArgument(arg)
		if err != nil {
			return esxcliError(err.Error())
		}
		switch arg.Name {
		case "enabled":
			enabled = &value
		case "defaultaction":
			pass = &value
		default:
			return esxcliError(fmt.Sprintf("unknown argument %q: expected enabled or defaultaction", arg.Name))
		}
	}
	if enabled == nil && pass == nil {
		return esxcliError("missing argument: set needs enabled, defaultaction or both")
	}

	if pass != nil {
		policy := types.HostFirewallDefaultPolicy{IncomingBlocked: types.NewBool(!*pass)}
		simulator.Map.WithLock(e.firewall, func() { e.firewall.updateDefaultPolicy(user, policy) })
	}

	if enabled != nil && e.switchFirewall(*enabled) {
		e.events.firewallSwitched(user, *enabled)
	}

	return &soapResult{Response: fmt.Sprintf(esxcliObject, "xsd:boolean", "true")}
}

// switchFirewall sets the firewall switch and reports whether it changed.
func (e *MethodExecuter) switchFirewall(enabled bool) bool {
	e.mu.Lock()
	defer e.mu.Unlock()

	changed := e.enabled != enabled
	e.enabled = enabled
	return changed
}

// setState sets the firewall switch without an event, and the fault mode,
// for the control API. A nil argument leaves that setting.
func (e *MethodExecuter) setState(enabled *bool, fault *string) {
	e.mu.Lock()
	defer e.mu.Unlock()

	if enabled != nil {
		e.enabled = *enabled
	}
	if fault != nil {
		e.fault = *fault
	}
}

// state returns the firewall switch and the fault mode.
func (e *MethodExecuter) state() (enabled bool, fault string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.enabled, e.fault
}

// parseBoolArgument reads an argument value such as
// "<enabled>false</enabled>" as an xsd:boolean.
func parseBoolArgument(arg soapArgument) (bool, error) {
	var element struct {
		XMLName xml.Name
		Text    string `xml:",chardata"`
	}
	if err := xml.NewDecoder(bytes.NewReader([]byte(arg.Val))).Decode(&element); err != nil {
		return false, fmt.Errorf("invalid value for argument %s: %q is not an XML element", arg.Name, arg.Val)
	}

	switch strings.TrimSpace(element.Text) {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, fmt.Errorf("invalid value %q for argument %s: expected true or false", element.Text, arg.Name)
}

func esxcliError(message string) *soapResult {
	return &soapResult{Fault: &soapFault{FaultMsg: []string{message}}}
}
