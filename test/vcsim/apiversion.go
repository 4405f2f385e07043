package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/simulator/esx"
	"github.com/vmware/govmomi/vim25/types"
)

// rulesetFlagsVersion is the vSphere API version that added userControllable
// and ipListUserConfigurable to HostFirewallRuleset.
const rulesetFlagsVersion = "8.0.2.0"

// maxSessionVersions bounds the sessions whose announced version is kept.
// Past it, an arbitrary entry is dropped and that session counts as having
// announced no version until its next request.
const maxSessionVersions = 10000

var versionPattern = regexp.MustCompile(`^[0-9]+(\.[0-9]+){1,3}$`)

// compareVersions compares dotted version strings numerically, treating a
// missing part as 0, and returns a negative number, zero or a positive
// number. A part that is not a number counts as 0.
func compareVersions(a, b string) int {
	left := strings.Split(a, ".")
	right := strings.Split(b, ".")
	for i := 0; i < len(left) || i < len(right); i++ {
		diff := versionPart(left, i) - versionPart(right, i)
		if diff != 0 {
			return diff
		}
	}
	return 0
}

func versionPart(parts []string, i int) int {
	if i >= len(parts) {
		return 0
	}
	n, err := strconv.Atoi(parts[i])
	if err != nil {
		return 0
	}
	return n
}

// versionAtLeast reports whether version is minimum or newer. An empty
// version, from a request without SOAPAction, is older than every version.
func versionAtLeast(version, minimum string) bool {
	return version != "" && compareVersions(version, minimum) >= 0
}

// productVersion returns the three-part product version for an API version,
// such as "8.0.2" for "8.0.2.0" and "6.5.0" for "6.5".
func productVersion(apiVersion string) string {
	parts := strings.Split(apiVersion, ".")
	for len(parts) < 3 {
		parts = append(parts, "0")
	}
	return strings.Join(parts[:3], ".")
}

// sessionVersions stores the vim25 version that each session announced in
// the SOAPAction header of its latest request, keyed by session cookie.
//
// The simulator passes no HTTP header to the vSphere methods, so the
// property collector looks the version up by its session instead. A client
// that sends requests of different versions in one session at the same time
// can therefore get either version's fields. Clients in practice announce
// one version per session.
type sessionVersions struct {
	mu       sync.Mutex
	versions map[string]string
}

func newSessionVersions() *sessionVersions {
	return &sessionVersions{versions: make(map[string]string)}
}

func (s *sessionVersions) record(session, version string) {
	s.mu.Lock()
	defer s.mu.Unlock()

	if current, ok := s.versions[session]; ok && current == version {
		return
	}
	if len(s.versions) >= maxSessionVersions {
		for key := range s.versions {
			delete(s.versions, key)
			break
		}
	}
	s.versions[session] = version
}

// lookup returns the version that session announced last, or "".
func (s *sessionVersions) lookup(session string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.versions[session]
}

// productInfo returns the host AboutInfo for an API and a product version.
// The build number stays the simulator's, because nothing here depends on
// it.
func productInfo(apiVersion, version string) types.AboutInfo {
	about := esx.HostConfigInfo.Product
	about.ApiVersion = apiVersion
	about.Version = version
	about.FullName = fmt.Sprintf("VMware ESXi %s build-%s", version, about.Build)
	return about
}

// setHostProduct sets config.product and summary.config.product of host to
// the AboutInfo of apiVersion and version, and notifies property
// collectors.
func setHostProduct(host *simulator.HostSystem, apiVersion, version string) {
	about := productInfo(apiVersion, version)

	simulator.Map.WithLock(host, func() {
		// Map.Update copies the value into a new AboutInfo for the pointer
		// summary.config.product, which starts out shared by every host.
		simulator.Map.Update(host, []types.PropertyChange{
			{Name: "config.product", Op: types.PropertyChangeOpAssign, Val: about},
			{Name: "summary.config.product", Op: types.PropertyChangeOpAssign, Val: about},
		})
	})
}

// HostFirewallInfo is types.HostFirewallInfo with the ruleset fields of API
// 8.0.2.0, which govmomi 0.24.2 lacks. It carries the vim type's name
// because the XML encoder writes the Go type name as the xsi:type of a
// property value.
type HostFirewallInfo struct {
	types.DynamicData

	DefaultPolicy types.HostFirewallDefaultPolicy `xml:"defaultPolicy"`
	Ruleset       []HostFirewallRuleset           `xml:"ruleset,omitempty"`
}

// HostFirewallRuleset is types.HostFirewallRuleset followed by the fields
// that API 8.0.2.0 added, in the order of the 8.0.2.0 WSDL.
type HostFirewallRuleset struct {
	types.HostFirewallRuleset

	UserControllable       *bool `xml:"userControllable,omitempty"`
	IpListUserConfigurable *bool `xml:"ipListUserConfigurable,omitempty"`
}

// rulesetPermission is what API 8.0.2.0 reports for one ruleset: whether a
// user may enable or disable it, and whether a user may change its
// allowedHosts.
type rulesetPermission struct {
	userControllable       bool
	ipListUserConfigurable bool
}

// systemRulesets lists the rulesets that the simulator reports as not fully
// user-configurable. Every other ruleset reports true for both flags. The
// mix gives tests both values of each flag. It is not a copy of any ESXi
// release's list.
var systemRulesets = map[string]rulesetPermission{
	"CIMHttpServer": {},
	"NFC":           {},
	"dhcp":          {},
	"vMotion":       {},
	"vpxHeartbeats": {},
	"sshServer":     {userControllable: false, ipListUserConfigurable: true},
}

// withRulesetFlags returns a copy of info whose rulesets carry the API
// 8.0.2.0 flags. The rulesets' rules and allowedHosts are shared with info,
// which is never changed after it is published.
func withRulesetFlags(info *types.HostFirewallInfo) *HostFirewallInfo {
	flagged := &HostFirewallInfo{DefaultPolicy: info.DefaultPolicy}
	flagged.Ruleset = make([]HostFirewallRuleset, len(info.Ruleset))

	for i, ruleset := range info.Ruleset {
		permission, ok := systemRulesets[ruleset.Key]
		if !ok {
			permission = rulesetPermission{userControllable: true, ipListUserConfigurable: true}
		}
		flagged.Ruleset[i] = HostFirewallRuleset{
			HostFirewallRuleset:    ruleset,
			UserControllable:       types.NewBool(permission.userControllable),
			IpListUserConfigurable: types.NewBool(permission.ipListUserConfigurable),
		}
	}

	return flagged
}
