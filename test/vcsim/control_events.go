package main

import (
	"fmt"
	"log"
	"math"
	"net/http"
	"sort"
	"time"

	"github.com/vmware/govmomi/vim25/types"
)

// maxEventBatchBody bounds the body of POST /vdrift-sim/events/batch, which
// fits maxStoredEvents events of about 300 bytes each.
const maxEventBatchBody = 32 << 20

// eventRequest is one event of POST /vdrift-sim/events and
// POST /vdrift-sim/events/batch.
type eventRequest struct {
	Host        string `json:"host"`
	EventTypeID string `json:"eventTypeId"`
	// Kind is EventEx or ExtendedEvent. When it is empty, eventKinds
	// gives the kind of a known eventTypeId.
	Kind     string `json:"kind"`
	UserName string `json:"userName"`
	// CreatedTime defaults to the time of the request.
	CreatedTime *time.Time `json:"createdTime"`
	Message     string     `json:"message"`
	// Severity is the EventEx severity: info, warning, error or user.
	Severity string `json:"severity"`
	// Arguments are the EventEx arguments. Strings, booleans and numbers
	// become xsd:string, xsd:boolean and xsd:int or xsd:double values.
	Arguments map[string]interface{} `json:"arguments"`
	// Data are the ExtendedEvent data pairs.
	Data map[string]string `json:"data"`
}

// eventRequestError is a rejected eventRequest and the HTTP status for it.
type eventRequestError struct {
	status  int
	message string
}

func badEvent(format string, args ...interface{}) *eventRequestError {
	return &eventRequestError{status: http.StatusBadRequest, message: fmt.Sprintf(format, args...)}
}

func (api *controlAPI) postEvent(w http.ResponseWriter, r *http.Request) {
	var req eventRequest
	if err := decodeJSON(r, &req, maxControlBody); err != nil {
		writeError(w, r, http.StatusBadRequest, err.Error())
		return
	}

	event, err := api.buildEvent(&req)
	if err != nil {
		writeError(w, r, err.status, err.message)
		return
	}

	keys := api.inventory.events.post(event)
	log.Printf("control: posted event %d %s for host %s", keys[0], req.EventTypeID, req.Host)
	writeJSON(w, http.StatusOK, map[string]int32{"key": keys[0]})
}

// postEventBatch posts every event of a JSON array in order, or none when
// one of them is invalid.
func (api *controlAPI) postEventBatch(w http.ResponseWriter, r *http.Request) {
	var reqs []eventRequest
	if err := decodeJSON(r, &reqs, maxEventBatchBody); err != nil {
		writeError(w, r, http.StatusBadRequest, err.Error())
		return
	}
	if len(reqs) > maxStoredEvents {
		writeError(w, r, http.StatusBadRequest,
			fmt.Sprintf("too many events: %d, expected at most %d in one batch", len(reqs), maxStoredEvents))
		return
	}

	events := make([]types.BaseEvent, 0, len(reqs))
	for i := range reqs {
		event, err := api.buildEvent(&reqs[i])
		if err != nil {
			writeError(w, r, err.status, fmt.Sprintf("event %d: %s", i, err.message))
			return
		}
		events = append(events, event)
	}

	keys := api.inventory.events.post(events...)
	log.Printf("control: posted %d events", len(keys))
	writeJSON(w, http.StatusOK, map[string][]int32{"keys": keys})
}

// buildEvent checks req and returns its event, or the error to return.
func (api *controlAPI) buildEvent(req *eventRequest) (types.BaseEvent, *eventRequestError) {
	if req.Host == "" {
		return nil, badEvent("missing field host: expected a host name or moid")
	}
	if req.EventTypeID == "" {
		return nil, badEvent("missing field eventTypeId: expected an id such as %s", firewallConfigChanged)
	}

	entry, ok := api.inventory.find(req.Host)
	if !ok {
		return nil, &eventRequestError{
			status:  http.StatusNotFound,
			message: fmt.Sprintf("host %q not found: expected a host name or moid from GET %shosts", req.Host, controlPath),
		}
	}

	kind := req.Kind
	if kind == "" {
		kind = eventKinds[req.EventTypeID]
	}

	var created time.Time
	if req.CreatedTime != nil {
		created = *req.CreatedTime
	}

	switch kind {
	case kindEventEx:
		if req.Data != nil {
			return nil, badEvent("invalid field data for an EventEx: use arguments")
		}
		switch req.Severity {
		case "", "info", "warning", "error", "user":
		default:
			return nil, badEvent("invalid severity %q: expected info, warning, error or user", req.Severity)
		}
		args, err := eventArguments(req.Arguments)
		if err != nil {
			return nil, badEvent("%s", err.Error())
		}
		return entry.events.eventEx(req.EventTypeID, req.Severity, req.UserName, req.Message, args, created), nil

	case kindExtendedEvent:
		if req.Arguments != nil {
			return nil, badEvent("invalid field arguments for an ExtendedEvent: use data")
		}
		if req.Severity != "" {
			return nil, badEvent("invalid field severity for an ExtendedEvent: only an EventEx has one")
		}
		return entry.events.extendedEvent(req.EventTypeID, req.UserName, req.Message, eventData(req.Data), created), nil

	case "":
		return nil, badEvent("missing field kind: expected %s or %s for eventTypeId %q",
			kindEventEx, kindExtendedEvent, req.EventTypeID)
	default:
		return nil, badEvent("invalid kind %q: expected %s or %s", kind, kindEventEx, kindExtendedEvent)
	}
}

// eventArguments returns arguments as EventEx arguments sorted by key.
func eventArguments(arguments map[string]interface{}) ([]types.KeyAnyValue, error) {
	args := make([]types.KeyAnyValue, 0, len(arguments))

	for key, value := range arguments {
		switch v := value.(type) {
		case string, bool:
			args = append(args, types.KeyAnyValue{Key: key, Value: v})
		case float64:
			if v == math.Trunc(v) && v >= math.MinInt32 && v <= math.MaxInt32 {
				args = append(args, types.KeyAnyValue{Key: key, Value: int32(v)})
			} else {
				args = append(args, types.KeyAnyValue{Key: key, Value: v})
			}
		default:
			return nil, fmt.Errorf("invalid argument %q: expected a string, boolean or number", key)
		}
	}

	sort.Slice(args, func(i, j int) bool { return args[i].Key < args[j].Key })
	return args, nil
}

// eventData returns data as ExtendedEvent pairs sorted by key.
func eventData(data map[string]string) []types.ExtendedEventPair {
	pairs := make([]types.ExtendedEventPair, 0, len(data))
	for key, value := range data {
		pairs = append(pairs, types.ExtendedEventPair{Key: key, Value: value})
	}
	sort.Slice(pairs, func(i, j int) bool { return pairs[i].Key < pairs[j].Key })
	return pairs
}

// settingsChange is the body of POST /vdrift-sim/settings. A nil field
// leaves that setting as it is.
type settingsChange struct {
	FirewallEvents *bool `json:"firewallEvents"`
}

type settingsView struct {
	FirewallEvents bool `json:"firewallEvents"`
}

func (api *controlAPI) changeSettings(w http.ResponseWriter, r *http.Request) {
	var change settingsChange
	if err := decodeJSON(r, &change, maxControlBody); err != nil {
		writeError(w, r, http.StatusBadRequest, err.Error())
		return
	}

	settings := api.inventory.settings
	if change.FirewallEvents != nil {
		settings.firewallEvents.Store(*change.FirewallEvents)
		log.Printf("control: firewallEvents=%t", *change.FirewallEvents)
	}

	writeJSON(w, http.StatusOK, settingsView{FirewallEvents: settings.firewallEvents.Load()})
}
