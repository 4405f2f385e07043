package main

import (
	"crypto/tls"
	"log"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
)

// sdkPath is where vCenter serves its SOAP API.
const sdkPath = "/sdk"

// newHTTPServer returns the server for the SOAP API, behind filter, and the
// control API on one handler.
//
// It does not use simulator.Service.NewServer, which creates its own listener
// and mux, because the /sdk handler needs filter around it. The steps of
// NewServer that matter here are repeated: RegisterSDK, Listen (whose User
// sets the only accepted login) and ServiceHostName.
func newHTTPServer(svc *simulator.Service, listener net.Listener, login *url.Userinfo, cert *serverCertificate, api *controlAPI, filter *sdkFilter) *http.Server {
	scheme := "http"
	if cert != nil {
		scheme = "https"
	}

	addr := listener.Addr().String()
	svc.Listen = &url.URL{Scheme: scheme, Host: addr, Path: sdkPath, User: login}
	simulator.Map.SessionManager().ServiceHostName = addr

	svc.ServeMux = http.NewServeMux()
	svc.RegisterSDK(simulator.Map)
	svc.ServeMux.HandleFunc(vim25.Path+"/vimServiceVersions.xml", svc.ServiceVersions)

	mux := http.NewServeMux()
	mux.Handle(sdkPath, filter.wrap(svc.ServeMux))
	mux.Handle(sdkPath+"/", svc.ServeMux)
	mux.Handle(controlPath, api.routes())

	server := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.Default(),
	}

	if cert != nil {
		server.TLSConfig = &tls.Config{
			Certificates: []tls.Certificate{cert.tls},
			MinVersion:   tls.VersionTLS12,
		}
	}

	return server
}
