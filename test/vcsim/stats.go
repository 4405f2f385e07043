package main

import (
	"bytes"
	"encoding/xml"
	"io"
	"log"
	"net/http"
	"sync"
)

// callCounter counts SOAP requests by method name, so that tests can count
// round trips.
type callCounter struct {
	mu    sync.Mutex
	calls map[string]int64
}

func newCallCounter() *callCounter {
	return &callCounter{calls: make(map[string]int64)}
}

// wrap returns a handler that counts each POST by the method element of its
// SOAP body before passing it to next. Every request is counted, faulted or
// not. Only the request is read, so large responses cost nothing extra.
func (c *callCounter) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			body, err := io.ReadAll(r.Body)
			_ = r.Body.Close()
			if err != nil {
				log.Printf("reading the body of %s %s failed: %v", r.Method, r.URL.Path, err)
				http.Error(w, "reading the request body failed: "+err.Error(), http.StatusBadRequest)
				return
			}

			if method := soapMethodName(body); method != "" {
				c.add(method)
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}

		next.ServeHTTP(w, r)
	})
}

func (c *callCounter) add(method string) {
	c.mu.Lock()
	c.calls[method]++
	c.mu.Unlock()
}

// snapshot returns a copy of the counts.
func (c *callCounter) snapshot() map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()

	copied := make(map[string]int64, len(c.calls))
	for method, n := range c.calls {
		copied[method] = n
	}
	return copied
}

func (c *callCounter) reset() {
	c.mu.Lock()
	c.calls = make(map[string]int64)
	c.mu.Unlock()
}

// soapMethodName returns the local name of the first element inside the
// SOAP Body, such as "RetrievePropertiesEx", or "" when there is none. It
// stops reading at that element.
func soapMethodName(body []byte) string {
	decoder := xml.NewDecoder(bytes.NewReader(body))
	inBody := false

	for {
		token, err := decoder.RawToken()
		if err != nil {
			return ""
		}

		start, ok := token.(xml.StartElement)
		if !ok {
			continue
		}
		if inBody {
			return start.Name.Local
		}
		if start.Name.Local == "Body" {
			inBody = true
		}
	}
}
