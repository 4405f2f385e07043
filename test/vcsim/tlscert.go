package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"strings"
	"time"
)

// serverCertificate is a self-signed certificate with its key, ready for
// tls.Config, and the facts about it that the ready line reports.
type serverCertificate struct {
	tls tls.Certificate
	// pem is the certificate alone, PEM encoded, for clients to trust.
	pem []byte
	// sha256 is the SHA-256 fingerprint of the DER certificate, as uppercase
	// hex pairs joined by colons, the form vSphere tools print.
	sha256 string
}

// newServerCertificate generates an ECDSA P-256 key and a self-signed
// certificate for 127.0.0.1, ::1, localhost and listenIP, valid for one day
// from an hour ago (the hour covers clock skew between processes).
func newServerCertificate(listenIP net.IP) (*serverCertificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating the TLS key: %w", err)
	}

	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("generating the certificate serial number: %w", err)
	}

	now := time.Now()
	addresses := []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	if !listenIP.Equal(addresses[0]) && !listenIP.Equal(addresses[1]) {
		addresses = append(addresses, listenIP)
	}

	template := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "vcsim-vdrift", Organization: []string{"vdrift test simulator"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           addresses,
	}

	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("creating the certificate: %w", err)
	}

	return &serverCertificate{
		tls:    tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key},
		pem:    pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		sha256: fingerprint(der),
	}, nil
}

// fingerprint returns the SHA-256 digest of der as "AA:BB:...".
func fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	pairs := make([]string, len(sum))
	for i, b := range sum {
		pairs[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(pairs, ":")
}

// writePEM writes the certificate to path, readable by everyone, because it
// is public and clients running as other users may need it.
func (c *serverCertificate) writePEM(path string) error {
	if err := os.WriteFile(path, c.pem, 0o644); err != nil {
		return fmt.Errorf("writing the certificate to %s: %w", path, err)
	}
	return nil
}
