package main

import (
	"context"
	"fmt"

	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// expireSessions terminates every user session, as if vCenter's idle timeout
// had run out for all of them, and returns how many it terminated. After it,
// a request with an old session cookie is treated as having no session.
//
// It lists SessionManager.sessionList and calls TerminateSession through
// client, an in-process client of the simulator whose own session is not in
// that list. The simulator keeps its sessions in unexported fields, so the
// vSphere methods are the only supported way to reach them.
func expireSessions(ctx context.Context, client *vim25.Client) (int, error) {
	manager := *client.ServiceContent.SessionManager

	var sm mo.SessionManager
	err := property.DefaultCollector(client).RetrieveOne(ctx, manager, []string{"sessionList"}, &sm)
	if err != nil {
		return 0, fmt.Errorf("listing sessions: %w", err)
	}

	terminated := 0
	for _, session := range sm.SessionList {
		// Terminate one session per call, because TerminateSession stops at
		// the first unknown id and a session may log out after the listing.
		_, err := methods.TerminateSession(ctx, client, &types.TerminateSession{
			This:      manager,
			SessionId: []string{session.Key},
		})
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return terminated, fmt.Errorf("terminating session of user %s: %w", session.UserName, err)
		}
		terminated++
	}

	return terminated, nil
}

func isNotFound(err error) bool {
	if err == nil || !soap.IsSoapFault(err) {
		return false
	}
	// The fault is a pointer when it comes from the in-process transport and
	// a value when decoded from XML.
	switch soap.ToSoapFault(err).VimFault().(type) {
	case *types.NotFound, types.NotFound:
		return true
	}
	return false
}
