package main

import (
	"bytes"
	"encoding/xml"
	"io"
	"log"
	"net/http"
	"strings"

	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// methodRoute returns the object that should receive a call of one method
// made on this, or false to leave the call with this.
type methodRoute func(this types.ManagedObjectReference) (types.ManagedObjectReference, bool)

// sdkFilter is the step in front of the simulator's /sdk handler. It reads
// each SOAP request once to count it by method, to record the API version
// that the session announces in SOAPAction, and to send some methods to
// objects of this launcher.
//
// The simulator dispatches a call to the Go object registered for its _this
// reference. Parts of govmomi 0.24.2 assert the concrete types
// *simulator.EventManager and *simulator.HostSystem for the objects at those
// references, such as Registry.EventManager, which every Login calls. Those
// objects therefore stay in place, and a routed call has its _this element
// rewritten to a launcher object before the simulator decodes it.
type sdkFilter struct {
	counter  *callCounter
	versions *sessionVersions
	routes   map[string]methodRoute
}

func newSDKFilter(counter *callCounter, versions *sessionVersions) *sdkFilter {
	return &sdkFilter{counter: counter, versions: versions, routes: make(map[string]methodRoute)}
}

// route sends calls of method to the object that route picks. It must be
// called before the server starts.
func (f *sdkFilter) route(method string, route methodRoute) {
	f.routes[method] = route
}

// wrap returns a handler that counts, records and routes each POST before
// passing it to next. Every request is counted, faulted or not.
func (f *sdkFilter) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			body, err := io.ReadAll(r.Body)
			_ = r.Body.Close()
			if err != nil {
				log.Printf("reading the body of %s %s failed: %v", r.Method, r.URL.Path, err)
				http.Error(w, "reading the request body failed: "+err.Error(), http.StatusBadRequest)
				return
			}

			method := soapMethodName(body)
			if method != "" {
				f.counter.add(method)
			}
			if cookie, err := r.Cookie(soap.SessionCookieName); err == nil {
				f.versions.record(cookie.Value, announcedVersion(r.Header.Get("SOAPAction")))
			}
			if route, ok := f.routes[method]; ok {
				body = rerouteCall(body, route)
			}

			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
		}

		next.ServeHTTP(w, r)
	})
}

// announcedVersion returns the vim25 version in a SOAPAction header such as
// "urn:vim25/8.0.2.0", with or without quotes, or "" when there is none.
func announcedVersion(soapAction string) string {
	action := strings.Trim(soapAction, `"`)
	const prefix = "urn:vim25/"
	if !strings.HasPrefix(action, prefix) {
		return ""
	}
	return action[len(prefix):]
}

// rerouteCall returns body with its _this element replaced by the reference
// that route returns, or body unchanged when route keeps the call or body has
// no _this element.
func rerouteCall(body []byte, route methodRoute) []byte {
	this, ok := findThis(body)
	if !ok {
		return body
	}

	target, ok := route(this.ref)
	if !ok {
		return body
	}

	var replacement bytes.Buffer
	replacement.WriteString(`<_this type="`)
	_ = xml.EscapeText(&replacement, []byte(target.Type))
	replacement.WriteString(`">`)
	_ = xml.EscapeText(&replacement, []byte(target.Value))
	replacement.WriteString(`</_this>`)

	rewritten := make([]byte, 0, len(body)+replacement.Len())
	rewritten = append(rewritten, body[:this.start]...)
	rewritten = append(rewritten, replacement.Bytes()...)
	rewritten = append(rewritten, body[this.end:]...)
	return rewritten
}

// thisElement is the _this element of a SOAP call and its byte range in the
// request body.
type thisElement struct {
	ref        types.ManagedObjectReference
	start, end int64
}

// findThis locates the _this element that is the first child of the method
// element in the SOAP Body.
func findThis(body []byte) (thisElement, bool) {
	decoder := xml.NewDecoder(bytes.NewReader(body))
	inBody := false
	depth := 0 // elements open inside the SOAP Body, starting at the method element

	for {
		offset := decoder.InputOffset()
		token, err := decoder.RawToken()
		if err != nil {
			return thisElement{}, false
		}

		switch t := token.(type) {
		case xml.StartElement:
			if !inBody {
				inBody = t.Name.Local == "Body"
				continue
			}
			depth++
			if depth == 1 {
				continue // the method element
			}
			if depth != 2 || t.Name.Local != "_this" {
				return thisElement{}, false
			}
			return readThis(decoder, t, offset)
		case xml.EndElement:
			if inBody {
				depth--
				if depth < 0 {
					return thisElement{}, false
				}
			}
		}
	}
}

// readThis reads the content of the _this element that start opened at
// offset, up to its end tag.
func readThis(decoder *xml.Decoder, start xml.StartElement, offset int64) (thisElement, bool) {
	this := thisElement{start: offset}
	for _, attr := range start.Attr {
		if attr.Name.Space == "" && attr.Name.Local == "type" {
			this.ref.Type = attr.Value
		}
	}

	var value strings.Builder
	for {
		token, err := decoder.RawToken()
		if err != nil {
			return thisElement{}, false
		}
		switch t := token.(type) {
		case xml.CharData:
			value.Write(t)
		case xml.EndElement:
			this.ref.Value = strings.TrimSpace(value.String())
			this.end = decoder.InputOffset()
			return this, true
		case xml.StartElement:
			return thisElement{}, false
		}
	}
}
