package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// The instance metadata service of a cloud server or ModelArts notebook
// (modelarts-api.md, section 4, source 6).
const (
	// DefaultMetadataEndpoint is where every cloud server reaches its
	// metadata service.
	DefaultMetadataEndpoint = "http://169.254.169.254"

	metadataTokenPath    = "/meta-data/latest/api/token"
	metadataKeyPath      = "/openstack/latest/securitykey"
	metadataInfoPath     = "/openstack/latest/meta_data.json"
	metadataTokenTTL     = 6 * time.Hour
	metadataConnect      = time.Second // a laptop without metadata fails fast
	metadataTimeout      = 10 * time.Second
	maxMetadataBody      = 64 << 10
	metadataTokenRenewal = metadataTokenTTL / 2
)

// InstanceMetadata is what the metadata service says about the server.
type InstanceMetadata struct {
	ProjectID        string `json:"project_id"`
	RegionID         string `json:"region_id"`
	AvailabilityZone string `json:"availability_zone"`
	UUID             string `json:"uuid"`
}

// metadataClient talks to the metadata service, with the session-token
// handshake when the service offers it.
type metadataClient struct {
	hc        *http.Client
	endpoint  string
	userAgent string
	log       func(ctx context.Context, msg string, fields map[string]any)

	mu       sync.Mutex
	token    string
	tokenAt  time.Time
	noTokens bool // the service has no token endpoint: plain GETs
}

func newMetadataClient(endpoint, ua string, log func(context.Context, string, map[string]any)) (*metadataClient, error) {
	u, err := parseEndpoint("metadata endpoint", endpoint)
	if err != nil {
		return nil, err
	}
	// Its own transport: no proxy (169.254.169.254 is link-local) and a short
	// connect timeout.
	tr := &http.Transport{
		DialContext:           (&net.Dialer{Timeout: metadataConnect}).DialContext,
		ResponseHeaderTimeout: metadataTimeout,
		MaxIdleConnsPerHost:   2,
	}
	return &metadataClient{
		hc: &http.Client{Transport: tr, Timeout: metadataTimeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		endpoint: strings.TrimRight(u.String(), "/"), userAgent: ua, log: log,
	}, nil
}

// ReadInstanceMetadata reads meta_data.json from the metadata service at
// endpoint (DefaultMetadataEndpoint when ""): the server's project and region.
// It fails within about a second where no metadata service answers.
func ReadInstanceMetadata(ctx context.Context, endpoint, userAgent string) (InstanceMetadata, error) {
	if endpoint == "" {
		endpoint = DefaultMetadataEndpoint
	}
	if userAgent == "" {
		userAgent = defaultUserAgent
	}
	m, err := newMetadataClient(endpoint, userAgent, nil)
	if err != nil {
		return InstanceMetadata{}, err
	}
	var md InstanceMetadata
	if err := m.getJSON(ctx, metadataInfoPath, &md); err != nil {
		return InstanceMetadata{}, err
	}
	return md, nil
}

// sessionToken returns a session token, "" when the service has none.
func (m *metadataClient) sessionToken(ctx context.Context, fresh bool) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.noTokens {
		return "", nil
	}
	if !fresh && m.token != "" && time.Since(m.tokenAt) < metadataTokenRenewal {
		return m.token, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, m.endpoint+metadataTokenPath, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("X-Metadata-Token-Ttl-Seconds", fmt.Sprint(int(metadataTokenTTL/time.Second)))
	req.Header.Set("User-Agent", m.userAgent)
	start := time.Now()
	resp, err := m.hc.Do(req)
	m.logLine(ctx, http.MethodPut, metadataTokenPath, resp, err, start)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusMethodNotAllowed:
		// An older service without the handshake.
		m.noTokens = true
		return "", nil
	case resp.StatusCode != http.StatusOK:
		return "", metadataError(resp, http.MethodPut, metadataTokenPath)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	tok := strings.TrimSpace(string(b))
	if err != nil || tok == "" || !validHeaderValue(tok) {
		return "", fmt.Errorf("the metadata service answered the session-token request with no usable token: %w", ErrMalformedResponse)
	}
	m.token, m.tokenAt = tok, time.Now()
	return tok, nil
}

// getJSON GETs path with the session token (a new one after a 401) and
// decodes the answer into v.
func (m *metadataClient) getJSON(ctx context.Context, path string, v any) error {
	for attempt := 1; attempt <= 2; attempt++ {
		tok, err := m.sessionToken(ctx, attempt > 1)
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.endpoint+path, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Accept", "application/json")
		req.Header.Set("User-Agent", m.userAgent)
		if tok != "" {
			req.Header.Set("X-Metadata-Token", tok)
		}
		start := time.Now()
		resp, err := m.hc.Do(req)
		m.logLine(ctx, http.MethodGet, path, resp, err, start)
		if err != nil {
			return err
		}
		if resp.StatusCode == http.StatusUnauthorized && tok != "" && attempt == 1 {
			resp.Body.Close()
			continue // the session token expired: one more with a new one
		}
		if resp.StatusCode != http.StatusOK {
			err := metadataError(resp, http.MethodGet, path)
			resp.Body.Close()
			return err
		}
		err = json.NewDecoder(io.LimitReader(resp.Body, maxMetadataBody)).Decode(v)
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("the metadata service's answer to %s is not the JSON expected: %w", path, ErrMalformedResponse)
		}
		return nil
	}
	return errors.New("unreachable")
}

// MetadataError is a refusal by the instance metadata service.
type MetadataError struct {
	StatusCode   int
	Method, Path string
	Message      string
}

func (e *MetadataError) Error() string {
	return fmt.Sprintf("instance metadata service: %s %s answered HTTP %d: %s", e.Method, e.Path, e.StatusCode, e.Message)
}

func metadataError(resp *http.Response, method, path string) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	msg := capMessage(sanitize(strings.TrimSpace(string(b))), 200)
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	return &MetadataError{StatusCode: resp.StatusCode, Method: method, Path: path, Message: msg}
}

func (m *metadataClient) logLine(ctx context.Context, method, path string, resp *http.Response, err error, start time.Time) {
	if m.log == nil {
		return
	}
	fields := map[string]any{"method": method, "path": path, "attempt": 1,
		"duration_ms": time.Since(start).Milliseconds(), "authorization": "X-Metadata-Token (redacted)"}
	if resp != nil {
		fields["status"] = resp.StatusCode
	}
	if err != nil {
		fields["error"] = err.Error()
	}
	m.log(ctx, "instance metadata request", fields)
}

// credentials reads the server's temporary AK/SK.
func (m *metadataClient) credentials(ctx context.Context) (Credentials, error) {
	var body credentialBody
	if err := m.getJSON(ctx, metadataKeyPath, &body); err != nil {
		return Credentials{}, err
	}
	return body.credentials("the metadata service")
}

// credentialBody is the answer of the metadata service's securitykey and of
// IAM's securitytokens.
type credentialBody struct {
	Credential struct {
		Access        string `json:"access"`
		Secret        string `json:"secret"`
		SecurityToken string `json:"securitytoken"`
		ExpiresAt     string `json:"expires_at"`
	} `json:"credential"`
}

func (b credentialBody) credentials(from string) (Credentials, error) {
	c := b.Credential
	if c.Access == "" || c.Secret == "" || c.SecurityToken == "" {
		return Credentials{}, fmt.Errorf("%s answered without access, secret and securitytoken: %w", from, ErrMalformedResponse)
	}
	if !validHeaderValue(c.Access) || strings.ContainsAny(c.Access, " ,") || !validHeaderValue(c.SecurityToken) {
		return Credentials{}, fmt.Errorf("%s returned credentials that cannot be sent as headers: %w", from, ErrMalformedResponse)
	}
	exp, err := time.Parse(time.RFC3339Nano, c.ExpiresAt)
	if err != nil {
		return Credentials{}, fmt.Errorf("%s returned expires_at %q, not an RFC 3339 time: %w", from, capMessage(c.ExpiresAt, 64), ErrMalformedResponse)
	}
	return Credentials{AccessKey: c.Access, SecretKey: c.Secret, SecurityToken: c.SecurityToken, ExpiresAt: exp}, nil
}
