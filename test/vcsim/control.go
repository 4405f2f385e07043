package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/types"
)

// controlPath is the prefix of the JSON control API, which sets simulator
// state that no vSphere method sets.
const controlPath = "/vdrift-sim/"

// maxControlBody bounds the size of a control API request body, except for
// POST /vdrift-sim/events/batch.
const maxControlBody = 64 << 10

var denyPathPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$`)

type controlAPI struct {
	inventory *inventory
	counter   *callCounter
	// client is an in-process vSphere client of the simulator, used to reach
	// the sessions.
	client *vim25.Client
}

// hostView is one host as GET /vdrift-sim/hosts returns it.
type hostView struct {
	Moid              string  `json:"moid"`
	Name              string  `json:"name"`
	Cluster           *string `json:"cluster"`
	FirewallSystem    string  `json:"firewallSystem"`
	ConnectionState   string  `json:"connectionState"`
	InMaintenanceMode bool    `json:"inMaintenanceMode"`
	// APIVersion is the host's config.product.apiVersion.
	APIVersion string `json:"apiVersion"`
	// FirewallEnabled is the esxcli firewall switch.
	FirewallEnabled bool     `json:"firewallEnabled"`
	EsxcliFault     *string  `json:"esxcliFault"`
	Deny            []string `json:"deny"`
}

// hostChange is the body of POST /vdrift-sim/host. A nil field leaves that
// setting as it is.
type hostChange struct {
	Host              string  `json:"host"`
	ConnectionState   *string `json:"connectionState"`
	InMaintenanceMode *bool   `json:"inMaintenanceMode"`
	Firewall          *string `json:"firewall"`
	FirewallEnabled   *bool   `json:"firewallEnabled"`
	// EsxcliFault is raw so that null, which clears the fault, differs from
	// a missing field.
	EsxcliFault    json.RawMessage `json:"esxcliFault"`
	APIVersion     *string         `json:"apiVersion"`
	ProductVersion *string         `json:"productVersion"`
	Deny           *[]string       `json:"deny"`

	// esxcliFault is EsxcliFault decoded by validate: nil when the field is
	// missing, and a pointer to "" for null.
	esxcliFault *string
}

func (api *controlAPI) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(controlPath+"hosts", api.method(http.MethodGet, api.listHosts))
	mux.HandleFunc(controlPath+"host", api.method(http.MethodPost, api.changeHost))
	mux.HandleFunc(controlPath+"sessions/expire", api.method(http.MethodPost, api.expireSessions))
	mux.HandleFunc(controlPath+"stats", api.method(http.MethodGet, api.stats))
	mux.HandleFunc(controlPath+"stats/reset", api.method(http.MethodPost, api.resetStats))
	mux.HandleFunc(controlPath+"events", api.method(http.MethodPost, api.postEvent))
	mux.HandleFunc(controlPath+"events/batch", api.method(http.MethodPost, api.postEventBatch))
	mux.HandleFunc(controlPath+"settings", api.method(http.MethodPost, api.changeSettings))
	mux.HandleFunc(controlPath, func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, http.StatusNotFound, fmt.Sprintf("no control endpoint at %s", r.URL.Path))
	})
	return loopbackOnly(mux)
}

// method rejects requests whose HTTP method is not allowed.
func (api *controlAPI) method(allowed string, handler http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != allowed {
			w.Header().Set("Allow", allowed)
			writeError(w, r, http.StatusMethodNotAllowed,
				fmt.Sprintf("method %s not allowed on %s: use %s", r.Method, r.URL.Path, allowed))
			return
		}
		handler(w, r)
	}
}

func (api *controlAPI) listHosts(w http.ResponseWriter, r *http.Request) {
	views := make([]hostView, 0, len(api.inventory.hosts))
	for _, entry := range api.inventory.hosts {
		views = append(views, describeHost(entry))
	}
	writeJSON(w, http.StatusOK, views)
}

func describeHost(entry *simHost) hostView {
	view := hostView{FirewallSystem: entry.firewall.Self.Value}
	if entry.cluster != "" {
		cluster := entry.cluster
		view.Cluster = &cluster
	}

	simulator.Map.WithLock(entry.host, func() {
		view.Moid = entry.host.Self.Value
		view.Name = entry.host.Name
		view.ConnectionState = string(entry.host.Runtime.ConnectionState)
		view.InMaintenanceMode = entry.host.Runtime.InMaintenanceMode
		view.APIVersion = entry.host.Config.Product.ApiVersion
	})

	enabled, fault := entry.executer.state()
	view.FirewallEnabled = enabled
	if fault != "" {
		view.EsxcliFault = &fault
	}

	entry.mu.Lock()
	view.Deny = append([]string{}, entry.deny...)
	entry.mu.Unlock()

	return view
}

func (api *controlAPI) changeHost(w http.ResponseWriter, r *http.Request) {
	var change hostChange
	if err := decodeJSON(r, &change, maxControlBody); err != nil {
		writeError(w, r, http.StatusBadRequest, err.Error())
		return
	}

	if err := change.validate(); err != nil {
		writeError(w, r, http.StatusBadRequest, err.Error())
		return
	}

	entry, ok := api.inventory.find(change.Host)
	if !ok {
		writeError(w, r, http.StatusNotFound,
			fmt.Sprintf("host %q not found: expected a host name or moid from GET %shosts", change.Host, controlPath))
		return
	}

	applyHostChange(entry, &change)
	log.Printf("control: changed host %s (%s): %s", entry.host.Name, entry.host.Self.Value, change.summary())

	writeJSON(w, http.StatusOK, describeHost(entry))
}

func (c *hostChange) validate() error {
	if c.Host == "" {
		return errors.New("missing field host: expected a host name or moid")
	}

	if c.ConnectionState != nil {
		switch types.HostSystemConnectionState(*c.ConnectionState) {
		case types.HostSystemConnectionStateConnected,
			types.HostSystemConnectionStateDisconnected,
			types.HostSystemConnectionStateNotResponding:
		default:
			return fmt.Errorf("invalid connectionState %q: expected connected, disconnected or notResponding",
				*c.ConnectionState)
		}
	}

	if c.Firewall != nil && *c.Firewall != "present" && *c.Firewall != "absent" {
		return fmt.Errorf("invalid firewall %q: expected present or absent", *c.Firewall)
	}

	if err := c.decodeEsxcliFault(); err != nil {
		return err
	}

	if c.APIVersion != nil && !versionPattern.MatchString(*c.APIVersion) {
		return fmt.Errorf("invalid apiVersion %q: expected a version such as 8.0.2.0", *c.APIVersion)
	}
	if c.ProductVersion != nil {
		if c.APIVersion == nil {
			return errors.New("invalid productVersion without apiVersion: set both")
		}
		if !versionPattern.MatchString(*c.ProductVersion) {
			return fmt.Errorf("invalid productVersion %q: expected a version such as 8.0.2", *c.ProductVersion)
		}
	}

	if c.Deny != nil {
		for _, path := range *c.Deny {
			if !denyPathPattern.MatchString(path) {
				return fmt.Errorf("invalid deny path %q: expected a property path such as config.firewall", path)
			}
		}
	}

	return nil
}

func (c *hostChange) decodeEsxcliFault() error {
	if c.EsxcliFault == nil {
		return nil
	}

	var fault *string
	if err := json.Unmarshal(c.EsxcliFault, &fault); err != nil {
		return fmt.Errorf("invalid esxcliFault %s: expected null, %q or %q",
			c.EsxcliFault, esxcliFaultNotSupported, esxcliFaultTimeout)
	}

	switch {
	case fault == nil:
		c.esxcliFault = new(string)
	case *fault == esxcliFaultNotSupported || *fault == esxcliFaultTimeout:
		c.esxcliFault = fault
	default:
		return fmt.Errorf("invalid esxcliFault %q: expected null, %q or %q",
			*fault, esxcliFaultNotSupported, esxcliFaultTimeout)
	}
	return nil
}

// summary lists the settings the change makes, for the log.
func (c *hostChange) summary() string {
	var parts []string
	if c.ConnectionState != nil {
		parts = append(parts, "connectionState="+*c.ConnectionState)
	}
	if c.InMaintenanceMode != nil {
		parts = append(parts, fmt.Sprintf("inMaintenanceMode=%t", *c.InMaintenanceMode))
	}
	if c.Firewall != nil {
		parts = append(parts, "firewall="+*c.Firewall)
	}
	if c.FirewallEnabled != nil {
		parts = append(parts, fmt.Sprintf("firewallEnabled=%t", *c.FirewallEnabled))
	}
	if c.esxcliFault != nil {
		fault := "null"
		if *c.esxcliFault != "" {
			fault = *c.esxcliFault
		}
		parts = append(parts, "esxcliFault="+fault)
	}
	if c.APIVersion != nil {
		parts = append(parts, "apiVersion="+*c.APIVersion)
	}
	if c.ProductVersion != nil {
		parts = append(parts, "productVersion="+*c.ProductVersion)
	}
	if c.Deny != nil {
		parts = append(parts, "deny=["+strings.Join(*c.Deny, ",")+"]")
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, " ")
}

// applyHostChange sets the runtime fields, firewall presence, esxcli state,
// API version and denied paths of a host and notifies property collectors.
// summary.runtime points at runtime in the simulator, so one assignment
// changes both, but each path is announced so that watchers of either see
// the change.
func applyHostChange(entry *simHost, change *hostChange) {
	var changes []types.PropertyChange

	if change.ConnectionState != nil {
		state := types.HostSystemConnectionState(*change.ConnectionState)
		changes = append(changes,
			types.PropertyChange{Name: "runtime.connectionState", Op: types.PropertyChangeOpAssign, Val: state},
			types.PropertyChange{Name: "summary.runtime.connectionState", Op: types.PropertyChangeOpAssign, Val: state})
	}

	if change.InMaintenanceMode != nil {
		mode := *change.InMaintenanceMode
		changes = append(changes,
			types.PropertyChange{Name: "runtime.inMaintenanceMode", Op: types.PropertyChangeOpAssign, Val: mode},
			types.PropertyChange{Name: "summary.runtime.inMaintenanceMode", Op: types.PropertyChangeOpAssign, Val: mode})
	}

	if len(changes) > 0 {
		simulator.Map.WithLock(entry.host, func() {
			simulator.Map.Update(entry.host, changes)
		})
	}

	if change.Firewall != nil {
		// Lock order: the firewall system first, then the host, as in the
		// SOAP methods of HostFirewallSystem.
		simulator.Map.WithLock(entry.firewall, func() {
			entry.firewall.setPresent(*change.Firewall == "present")
		})
	}

	entry.executer.setState(change.FirewallEnabled, change.esxcliFault)

	if change.APIVersion != nil || change.Deny != nil {
		entry.mu.Lock()
		defer entry.mu.Unlock()

		if change.APIVersion != nil {
			product := productVersion(*change.APIVersion)
			if change.ProductVersion != nil {
				product = *change.ProductVersion
			}
			setHostProduct(entry.host, *change.APIVersion, product)
			entry.apiVersion = *change.APIVersion
		}
		if change.Deny != nil {
			entry.deny = append([]string(nil), *change.Deny...)
		}

		overrides.publish(
			[]types.ManagedObjectReference{entry.host.Self, entry.firewall.Self},
			&hostOverride{
				host:         entry.host.Self,
				deny:         entry.deny,
				rulesetFlags: versionAtLeast(entry.apiVersion, rulesetFlagsVersion),
			})
	}
}

func (api *controlAPI) expireSessions(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()

	n, err := expireSessions(ctx, api.client)
	if err != nil {
		writeError(w, r, http.StatusInternalServerError, "expiring sessions failed: "+err.Error())
		return
	}

	log.Printf("control: expired %d sessions", n)
	writeJSON(w, http.StatusOK, map[string]int{"expired": n})
}

func (api *controlAPI) stats(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]map[string]int64{"calls": api.counter.snapshot()})
}

func (api *controlAPI) resetStats(w http.ResponseWriter, r *http.Request) {
	api.counter.reset()
	writeJSON(w, http.StatusOK, map[string]map[string]int64{"calls": {}})
}

// loopbackOnly rejects requests that do not come from a loopback address or
// that name a host other than a loopback address or localhost. The server
// listens on loopback only, and the Host check also stops a web page from
// reaching the control API through DNS rebinding.
func loopbackOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		remote, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil || !isLoopbackHost(remote) {
			writeError(w, r, http.StatusForbidden, fmt.Sprintf("control API rejects remote address %s", r.RemoteAddr))
			return
		}

		host := r.Host
		if h, _, err := net.SplitHostPort(r.Host); err == nil {
			host = h
		}
		if !isLoopbackHost(host) && host != "localhost" {
			writeError(w, r, http.StatusForbidden, fmt.Sprintf("control API rejects Host %q: use a loopback address", r.Host))
			return
		}

		next.ServeHTTP(w, r)
	})
}

func isLoopbackHost(host string) bool {
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// decodeJSON decodes one JSON value of at most limit bytes from the request
// body into dst, rejecting unknown fields and trailing data.
func decodeJSON(r *http.Request, dst interface{}, limit int64) error {
	decoder := json.NewDecoder(http.MaxBytesReader(nil, r.Body, limit))
	decoder.DisallowUnknownFields()

	if err := decoder.Decode(dst); err != nil {
		var typeErr *json.UnmarshalTypeError
		var sizeErr *http.MaxBytesError
		if errors.As(err, &sizeErr) {
			return fmt.Errorf("invalid JSON body: larger than the limit of %d bytes", sizeErr.Limit)
		}
		if errors.As(err, &typeErr) {
			return fmt.Errorf("invalid field %s: unexpected JSON %s", typeErr.Field, typeErr.Value)
		}
		// encoding/json reports unknown fields only in the message text.
		if field := strings.TrimPrefix(err.Error(), "json: unknown field "); field != err.Error() {
			return fmt.Errorf("unknown field %s", field)
		}
		return fmt.Errorf("invalid JSON body: %v", err)
	}

	if decoder.More() {
		return errors.New("invalid JSON body: expected one value")
	}

	return nil
}

func writeJSON(w http.ResponseWriter, status int, value interface{}) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(value); err != nil {
		log.Printf("control: writing the response failed: %v", err)
	}
}

// writeError logs a failed control request and returns its message as
// {"error": message}.
func writeError(w http.ResponseWriter, r *http.Request, status int, message string) {
	log.Printf("control: %s %s failed with HTTP %d: %s", r.Method, r.URL.Path, status, message)
	writeJSON(w, status, map[string]string{"error": message})
}
