package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// PropertyCollector replaces simulator.PropertyCollector to add result paging
// and the per-host changes of overrides. RetrievePropertiesEx honours
// options.maxObjects and returns a token while objects remain, and
// ContinueRetrievePropertiesEx and CancelRetrievePropertiesEx take that
// token.
//
// The embedded collector is a value, not a pointer, because Session.Get makes
// the per-session copy of the singleton with reflect.New, which leaves every
// field at its zero value. For the same reason the pending pages live in the
// package variable pendingPages rather than in a field.
type PropertyCollector struct {
	simulator.PropertyCollector
}

// maxPendingResults bounds the paged results kept for tokens that clients
// never continue or cancel. Past it, the oldest result is dropped and its
// token becomes invalid.
const maxPendingResults = 1000

var pendingPages = newPageStore(maxPendingResults)

// installPropertyCollector puts a paging PropertyCollector in place of the
// singleton that the ServiceContent names.
func installPropertyCollector(ref types.ManagedObjectReference) {
	pc := &PropertyCollector{}
	pc.Self = ref
	simulator.Map.Put(pc)
}

func (pc *PropertyCollector) RetrievePropertiesEx(ctx *simulator.Context, req *types.RetrievePropertiesEx) soap.HasFault {
	pageSize := int(req.Options.MaxObjects)
	if pageSize < 0 {
		return &methods.RetrievePropertiesExBody{Fault_: invalidArgument("options.maxObjects",
			fmt.Sprintf("invalid options.maxObjects %d: expected a positive number or unset", pageSize))}
	}

	// The stock collector ignores maxObjects, so it returns every object in
	// its own deterministic order, and the pages are cut from that.
	res := pc.PropertyCollector.RetrievePropertiesEx(ctx, req)
	body, ok := res.(*methods.RetrievePropertiesExBody)
	if !ok || body.Fault_ != nil {
		return res
	}

	overrides.apply(ctx, req.SpecSet, body.Res.Returnval.Objects)
	if pageSize == 0 {
		return body
	}

	// NOTE: later pages show the objects as they were during this call. Whether
	// vCenter reads them again for each page is not verified.
	result := body.Res.Returnval
	if len(result.Objects) > pageSize {
		rest := result.Objects[pageSize:]
		result.Objects = result.Objects[:pageSize:pageSize]
		result.Token = pendingPages.put(pc.Self, sessionKey(ctx), pageSize, rest)
	}

	return body
}

func (pc *PropertyCollector) ContinueRetrievePropertiesEx(ctx *simulator.Context, req *types.ContinueRetrievePropertiesEx) soap.HasFault {
	body := &methods.ContinueRetrievePropertiesExBody{}

	pending, ok := pendingPages.take(req.Token, pc.Self, sessionKey(ctx))
	if !ok {
		body.Fault_ = invalidToken(req.Token)
		return body
	}

	result := types.RetrieveResult{Objects: pending.objects}
	if len(pending.objects) > pending.pageSize {
		rest := pending.objects[pending.pageSize:]
		result.Objects = pending.objects[:pending.pageSize:pending.pageSize]
		result.Token = pendingPages.put(pc.Self, sessionKey(ctx), pending.pageSize, rest)
	}

	body.Res = &types.ContinueRetrievePropertiesExResponse{Returnval: result}
	return body
}

func (pc *PropertyCollector) CancelRetrievePropertiesEx(ctx *simulator.Context, req *types.CancelRetrievePropertiesEx) soap.HasFault {
	body := &methods.CancelRetrievePropertiesExBody{}

	if _, ok := pendingPages.take(req.Token, pc.Self, sessionKey(ctx)); !ok {
		body.Fault_ = invalidToken(req.Token)
		return body
	}

	body.Res = &types.CancelRetrievePropertiesExResponse{}
	return body
}

// RetrieveProperties returns what RetrievePropertiesEx returns without
// paging. The stock method would call the stock RetrievePropertiesEx and so
// miss the changes that overrides makes.
func (pc *PropertyCollector) RetrieveProperties(ctx *simulator.Context, req *types.RetrieveProperties) soap.HasFault {
	body := &methods.RetrievePropertiesBody{}

	res := pc.RetrievePropertiesEx(ctx, &types.RetrievePropertiesEx{This: req.This, SpecSet: req.SpecSet})
	if fault := res.Fault(); fault != nil {
		body.Fault_ = fault
		return body
	}

	body.Res = &types.RetrievePropertiesResponse{
		Returnval: res.(*methods.RetrievePropertiesExBody).Res.Returnval.Objects,
	}
	return body
}

// CreatePropertyCollector creates a paging collector for the session. The
// stock method would create a simulator.PropertyCollector, which ignores
// maxObjects.
func (pc *PropertyCollector) CreatePropertyCollector(ctx *simulator.Context, req *types.CreatePropertyCollector) soap.HasFault {
	created := &PropertyCollector{}
	ref := ctx.Session.Put(created).Reference()

	return &methods.CreatePropertyCollectorBody{
		Res: &types.CreatePropertyCollectorResponse{Returnval: ref},
	}
}

func invalidToken(token string) *soap.Fault {
	return invalidArgument("token", fmt.Sprintf("unknown or already used token %q", token))
}

// sessionKey returns the key of the calling session, or "" for a call made
// without one.
func sessionKey(ctx *simulator.Context) string {
	if ctx.Session == nil {
		return ""
	}
	return ctx.Session.Key
}

// pendingResult is the part of a paged result that a token still refers to.
type pendingResult struct {
	collector types.ManagedObjectReference
	session   string
	pageSize  int
	objects   []types.ObjectContent
	sequence  uint64
}

// pageStore keeps pending results by token. A token is valid once, because
// take removes it, and a caller that gets more pages gets a new token.
type pageStore struct {
	mu       sync.Mutex
	results  map[string]*pendingResult
	sequence uint64
	capacity int
}

func newPageStore(capacity int) *pageStore {
	return &pageStore{results: make(map[string]*pendingResult), capacity: capacity}
}

func (s *pageStore) put(collector types.ManagedObjectReference, session string, pageSize int, objects []types.ObjectContent) string {
	token := newToken()

	s.mu.Lock()
	defer s.mu.Unlock()

	if len(s.results) >= s.capacity {
		s.dropOldest()
	}

	s.sequence++
	s.results[token] = &pendingResult{
		collector: collector,
		session:   session,
		pageSize:  pageSize,
		objects:   objects,
		sequence:  s.sequence,
	}

	return token
}

// take removes and returns the result of token. A token is found only by the
// collector and session that received it, as vCenter binds it to both.
func (s *pageStore) take(token string, collector types.ManagedObjectReference, session string) (*pendingResult, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()

	pending, ok := s.results[token]
	if !ok || pending.collector != collector || pending.session != session {
		return nil, false
	}

	delete(s.results, token)
	return pending, true
}

// dropOldest removes the result stored first. It scans every entry, which is
// cheap at the capacity used here and runs only when the store is full.
func (s *pageStore) dropOldest() {
	var oldestToken string
	var oldest *pendingResult

	for token, pending := range s.results {
		if oldest == nil || pending.sequence < oldest.sequence {
			oldestToken, oldest = token, pending
		}
	}

	if oldest != nil {
		delete(s.results, oldestToken)
	}
}

func newToken() string {
	var buf [16]byte
	if _, err := rand.Read(buf[:]); err != nil {
		panic(fmt.Sprintf("reading random bytes for a paging token: %v", err))
	}
	return hex.EncodeToString(buf[:])
}
