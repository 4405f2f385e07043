package main

import (
	"bytes"
	"encoding/xml"
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
