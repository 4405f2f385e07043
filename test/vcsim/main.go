// Command vcsim-vdrift runs govmomi's vCenter simulator for vdrift's tests,
// with a JSON control API under /vdrift-sim/. It adds what the stock
// simulator of govmomi 0.24.2 lacks: the host firewall methods, per-host
// firewall state, RetrievePropertiesEx paging, an event history with working
// filters, esxcli over the API, the ruleset fields of API 8.0.2.0 and
// permission gaps.
//
// When it is ready it prints one JSON line on stdout with the SDK URL, and it
// serves until SIGINT, SIGTERM or the end of standard input. Logs go to
// stderr.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
)

// shutdownTimeout bounds how long open requests, such as a long
// WaitForUpdatesEx, may delay the exit.
const shutdownTimeout = 5 * time.Second

// stopping is closed when the server starts to shut down, so that requests
// that wait on purpose end at once.
var stopping = make(chan struct{})

type options struct {
	listen     string
	size       inventorySize
	apiVersion string
	username   string
	password   string
	tls        bool
	certOut    string
	watchStdin bool
}

// readyLine is the JSON object printed on stdout once the server accepts
// connections.
type readyLine struct {
	URL        string `json:"url"`
	Control    string `json:"control"`
	Hosts      int    `json:"hosts"`
	CertFile   string `json:"certFile,omitempty"`
	CertSha256 string `json:"certSha256,omitempty"`
}

func main() {
	log.SetPrefix("vcsim-vdrift: ")

	opts, err := parseOptions(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "vcsim-vdrift: %v\n", err)
		os.Exit(2)
	}

	if err := run(opts); err != nil {
		log.Printf("failed: %v", err)
		os.Exit(1)
	}
}

func parseOptions(args []string) (*options, error) {
	opts := &options{}
	flags := flag.NewFlagSet("vcsim-vdrift", flag.ContinueOnError)

	flags.StringVar(&opts.listen, "listen", "127.0.0.1:0",
		"loopback address and port to listen on; port 0 picks a free port")
	flags.IntVar(&opts.size.clusters, "clusters", 1, "number of clusters")
	flags.IntVar(&opts.size.clusterHosts, "cluster-hosts", 3, "number of hosts in each cluster")
	flags.IntVar(&opts.size.standalone, "standalone", 1, "number of standalone hosts")
	flags.StringVar(&opts.apiVersion, "api-version", "",
		"vSphere API version that vCenter reports in about.apiVersion, such as 8.0.3.0; empty keeps the simulator's 6.5")
	flags.StringVar(&opts.username, "username", "user", "the only user name that SessionManager.Login accepts")
	flags.StringVar(&opts.password, "password", "pass", "the only password that SessionManager.Login accepts")
	flags.BoolVar(&opts.tls, "tls", false,
		"serve HTTPS with a new self-signed certificate for 127.0.0.1, ::1 and localhost")
	flags.StringVar(&opts.certOut, "cert-out", "", "file to write the certificate to as PEM; required with -tls")
	flags.BoolVar(&opts.watchStdin, "watch-stdin", true,
		"exit when standard input reaches end of file; set to false when stdin is /dev/null")

	if err := flags.Parse(args); err != nil {
		return nil, err
	}
	if flags.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q: all settings are flags, see -help", flags.Arg(0))
	}

	return opts, opts.validate()
}

func (o *options) validate() error {
	if _, err := loopbackIP(o.listen); err != nil {
		return err
	}

	counts := []struct {
		flag  string
		value int
	}{
		{"-clusters", o.size.clusters},
		{"-cluster-hosts", o.size.clusterHosts},
		{"-standalone", o.size.standalone},
	}
	for _, c := range counts {
		if c.value < 0 {
			return fmt.Errorf("invalid %s %d: expected 0 or more", c.flag, c.value)
		}
	}

	if o.apiVersion != "" && !versionPattern.MatchString(o.apiVersion) {
		return fmt.Errorf("invalid -api-version %q: expected a version such as 8.0.3.0", o.apiVersion)
	}

	if o.username == "" || o.password == "" {
		return errors.New("invalid login: -username and -password must not be empty")
	}
	if o.tls && o.certOut == "" {
		return errors.New("missing -cert-out: -tls needs a file to write the certificate to")
	}
	if !o.tls && o.certOut != "" {
		return errors.New("invalid -cert-out without -tls: there is no certificate to write")
	}

	return nil
}

// loopbackIP returns the IP of a host:port address, or an error unless the
// host is a loopback IP address.
func loopbackIP(address string) (net.IP, error) {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return nil, fmt.Errorf("invalid -listen %q: %v", address, err)
	}

	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("invalid -listen %q: the simulator listens only on a loopback IP address, such as 127.0.0.1:0",
			address)
	}

	return ip, nil
}

func run(opts *options) error {
	started := time.Now()

	counter := newCallCounter()
	filter := newSDKFilter(counter, overrides.versions)
	model, inv, err := createInventory(opts.size, opts.apiVersion, filter)
	if err != nil {
		return err
	}
	defer model.Remove()

	listenIP, _ := loopbackIP(opts.listen)
	listener, err := net.Listen("tcp", opts.listen)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", opts.listen, err)
	}

	cert, certFile, err := prepareCertificate(opts, listenIP)
	if err != nil {
		return err
	}

	client, err := vim25.NewClient(context.Background(), model.Service)
	if err != nil {
		return fmt.Errorf("creating the in-process client: %w", err)
	}

	api := &controlAPI{inventory: inv, counter: counter, client: client}
	login := url.UserPassword(opts.username, opts.password)
	server := newHTTPServer(model.Service, listener, login, cert, api, filter)

	serveErr := make(chan error, 1)
	go func() {
		if cert != nil {
			serveErr <- server.ServeTLS(listener, "", "")
		} else {
			serveErr <- server.Serve(listener)
		}
	}()

	if err := printReady(os.Stdout, listener.Addr().String(), cert, certFile, len(inv.hosts)); err != nil {
		_ = server.Close()
		return err
	}
	log.Printf("serving %d hosts on %s, started in %d ms", len(inv.hosts), listener.Addr(),
		time.Since(started).Milliseconds())

	return serveUntilStopped(server, serveErr, opts.watchStdin)
}

// createInventory creates the simulated vCenter with the paging property
// collector, the event manager, and a firewall system and method executer
// of its own for every host, and adds their routes to filter.
func createInventory(size inventorySize, apiVersion string, filter *sdkFilter) (*simulator.Model, *inventory, error) {
	model := newModel(size, apiVersion)
	if err := model.Create(); err != nil {
		return nil, nil, fmt.Errorf("creating the simulator inventory: %w", err)
	}

	content := simulator.Map.Get(vim25.ServiceInstance).(*simulator.ServiceInstance).Content
	installPropertyCollector(content.PropertyCollector)
	events := installEventManager(filter)

	inv, err := buildInventory(filter, events, newSimSettings())
	if err != nil {
		model.Remove()
		return nil, nil, err
	}

	// Creating the hosts leaves garbage of about the size of the live heap.
	// Returning it to the OS now keeps the resident size close to what the
	// inventory needs.
	debug.FreeOSMemory()

	return model, inv, nil
}

// prepareCertificate generates the certificate and writes it to -cert-out
// when -tls is set. It returns a nil certificate otherwise.
func prepareCertificate(opts *options, listenIP net.IP) (*serverCertificate, string, error) {
	if !opts.tls {
		return nil, "", nil
	}

	cert, err := newServerCertificate(listenIP)
	if err != nil {
		return nil, "", err
	}

	certFile, err := filepath.Abs(opts.certOut)
	if err != nil {
		return nil, "", fmt.Errorf("resolving -cert-out %q: %w", opts.certOut, err)
	}
	if err := cert.writePEM(certFile); err != nil {
		return nil, "", err
	}

	return cert, certFile, nil
}

// serveUntilStopped waits for a stop request or a serve error, then shuts the
// server down, giving open requests up to shutdownTimeout.
func serveUntilStopped(server *http.Server, serveErr <-chan error, watchStdin bool) error {
	select {
	case err := <-serveErr:
		return fmt.Errorf("serving HTTP: %w", err)
	case reason := <-stopRequests(watchStdin):
		log.Printf("stopping: %s", reason)
	}

	close(stopping)
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := server.Shutdown(ctx); err != nil {
		log.Printf("closing open connections after %s: %v", shutdownTimeout, err)
		_ = server.Close()
	}
	if err := <-serveErr; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving HTTP: %w", err)
	}

	return nil
}

func printReady(w io.Writer, addr string, cert *serverCertificate, certFile string, hosts int) error {
	scheme := "http"
	if cert != nil {
		scheme = "https"
	}
	base := scheme + "://" + addr

	line := readyLine{URL: base + sdkPath, Control: base + "/vdrift-sim", Hosts: hosts}
	if cert != nil {
		line.CertFile = certFile
		line.CertSha256 = cert.sha256
	}

	data, err := json.Marshal(line)
	if err != nil {
		return fmt.Errorf("encoding the ready line: %w", err)
	}
	if _, err := fmt.Fprintf(w, "%s\n", data); err != nil {
		return fmt.Errorf("writing the ready line: %w", err)
	}
	return nil
}

// stopRequests returns a channel that receives the reason to stop: SIGINT,
// SIGTERM or, when watchStdin is true, the end of standard input, so that a
// simulator started by a test runner exits with it.
func stopRequests(watchStdin bool) <-chan string {
	stop := make(chan string, 2)

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		sig := <-signals
		stop <- "received " + sig.String()
	}()

	if watchStdin {
		go func() {
			_, err := io.Copy(io.Discard, os.Stdin)
			if err != nil {
				stop <- "reading standard input failed: " + err.Error()
				return
			}
			stop <- "standard input closed"
		}()
	}

	return stop
}
