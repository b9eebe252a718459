package emulator

import (
	"crypto/hmac"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Defaults of CloudConfig.
const (
	DefaultMetadataKeyTTL = time.Hour
	DefaultAgencyName     = "modelarts-agency"
	// maxIssued bounds each map of issued metadata tokens and keys; expired
	// entries are dropped first.
	maxIssued = 1000
)

// CloudConfig sets what a cloud server around the emulator provides: the
// instance metadata service (temporary keys of the server's agency) and the
// IAM agency that assume_role may take on. Config{}.Cloud is a working setup.
type CloudConfig struct {
	// MetadataKeyTTL is the lifetime of the temporary AK/SK that
	// GET /openstack/latest/securitykey hands out (DefaultMetadataKeyTTL
	// when zero). As on a real server, the keys are replaced when a third of
	// their life is left and old keys stay valid until they expire.
	MetadataKeyTTL time.Duration
	// MetadataRequireToken refuses metadata requests without a valid
	// X-Metadata-Token (the session-token handshake made mandatory).
	MetadataRequireToken bool
	// DisableMetadata answers 404 on every metadata path, as a machine
	// outside the cloud would (with a connection that works).
	DisableMetadata bool
	// AgencyName and AgencyDomain name the only agency that
	// POST /v3.0/OS-CREDENTIAL/securitytokens assumes (DefaultAgencyName
	// and Config.Domain when empty).
	AgencyName, AgencyDomain string
	// AgencyKeyTTL, when positive, is the lifetime of agency credentials
	// whatever duration_seconds asked for; IAM's own minimum is 900 s, too
	// long for a test of renewal.
	AgencyKeyTTL time.Duration
}

// issuedKey is a temporary AK/SK issued by the metadata service or IAM.
type issuedKey struct {
	secret, token string
	expires       time.Time
	kind          string // RequestRecord.Auth: "metadata-aksk" or "agency-aksk"
}

// cloudState is what the metadata service and the agency endpoint issued.
type cloudState struct {
	mu            sync.Mutex
	sessionTokens map[string]time.Time
	keys          map[string]issuedKey
	metadataKey   string // access key the metadata service hands out now
}

func (c *CloudConfig) metadataKeyTTL() time.Duration {
	if c.MetadataKeyTTL > 0 {
		return c.MetadataKeyTTL
	}
	return DefaultMetadataKeyTTL
}

func (e *Emulator) agency() (name, domain string) {
	name, domain = e.cfg.Cloud.AgencyName, e.cfg.Cloud.AgencyDomain
	if name == "" {
		name = DefaultAgencyName
	}
	if domain == "" {
		domain = e.cfg.Domain
	}
	return name, domain
}

// cloudRoute names the operations of the metadata and IAM paths beyond
// /v3/auth/tokens; nil for any other path.
func cloudRoute(seg []string) (map[string]string, string) {
	switch strings.Join(seg, "/") {
	case "meta-data/latest/api/token":
		return map[string]string{http.MethodPut: "metadata-token"}, "PUT"
	case "openstack/latest/securitykey":
		return map[string]string{http.MethodGet: "metadata-securitykey"}, "GET"
	case "openstack/latest/meta_data.json":
		return map[string]string{http.MethodGet: "metadata-info"}, "GET"
	case "v3/projects":
		return map[string]string{http.MethodGet: "iam-projects"}, "GET"
	case "v3.0/OS-CREDENTIAL/securitytokens":
		return map[string]string{http.MethodPost: "iam-assume-role"}, "POST"
	}
	return nil, ""
}

// handleCloud serves the operations of cloudRoute; false for any other.
func (e *Emulator) handleCloud(c *call, body []byte) bool {
	switch c.route.op {
	case "metadata-token":
		e.metadataToken(c)
	case "metadata-securitykey":
		if e.metadataAllowed(c) {
			e.metadataSecurityKey(c)
		}
	case "metadata-info":
		if e.metadataAllowed(c) {
			e.metadataInfo(c)
		}
	case "iam-projects":
		if _, ok := e.authenticate(c, body); ok {
			e.listProjects(c)
		}
	case "iam-assume-role":
		if _, ok := e.authenticate(c, body); ok {
			e.assumeRole(c, body)
		}
	default:
		return false
	}
	return true
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (c *call) metadataError(status int, msg string) {
	c.w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	c.w.WriteHeader(status)
	c.status = status
	_, _ = c.w.Write([]byte(msg + "\n"))
}

// metadataToken is PUT /meta-data/latest/api/token: a session token valid
// for X-Metadata-Token-Ttl-Seconds (1 to 21600), answered as plain text.
func (e *Emulator) metadataToken(c *call) {
	if e.cfg.Cloud.DisableMetadata {
		c.metadataError(http.StatusNotFound, "Not Found")
		return
	}
	ttl, err := strconv.Atoi(c.r.Header.Get("X-Metadata-Token-Ttl-Seconds"))
	if err != nil || ttl < 1 || ttl > 21600 {
		c.metadataError(http.StatusBadRequest, "X-Metadata-Token-Ttl-Seconds must be a whole number of seconds from 1 to 21600")
		return
	}
	now := e.now()
	tok := "emu-metadata-" + randomHex(16)
	s := &e.cloud
	s.mu.Lock()
	if s.sessionTokens == nil {
		s.sessionTokens = map[string]time.Time{}
	}
	pruneExpired(s.sessionTokens, now, func(t time.Time) time.Time { return t })
	s.sessionTokens[tok] = now.Add(time.Duration(ttl) * time.Second)
	s.mu.Unlock()
	c.w.Header().Set("X-Metadata-Token-Ttl-Seconds", strconv.Itoa(ttl))
	c.w.Header().Set("Content-Type", "text/plain")
	c.w.WriteHeader(http.StatusOK)
	c.status = http.StatusOK
	_, _ = c.w.Write([]byte(tok))
}

// pruneExpired drops expired entries of a full map, then, if it is still
// full, any entry: the maps never grow beyond maxIssued.
func pruneExpired[V any](m map[string]V, now time.Time, expires func(V) time.Time) {
	if len(m) < maxIssued {
		return
	}
	for k, v := range m {
		if !now.Before(expires(v)) {
			delete(m, k)
		}
	}
	for k := range m {
		if len(m) < maxIssued {
			break
		}
		delete(m, k)
	}
}

// metadataAllowed checks the session token, if any (mandatory with
// MetadataRequireToken). On failure it has answered.
func (e *Emulator) metadataAllowed(c *call) bool {
	if e.cfg.Cloud.DisableMetadata {
		c.metadataError(http.StatusNotFound, "Not Found")
		return false
	}
	tok := c.r.Header.Get("X-Metadata-Token")
	if tok == "" {
		if e.cfg.Cloud.MetadataRequireToken {
			c.metadataError(http.StatusUnauthorized, "X-Metadata-Token is required")
			return false
		}
		return true
	}
	s := &e.cloud
	s.mu.Lock()
	exp, ok := s.sessionTokens[tok]
	s.mu.Unlock()
	if !ok || !e.now().Before(exp) {
		c.metadataError(http.StatusUnauthorized, "X-Metadata-Token is invalid or expired")
		return false
	}
	return true
}

// issueKey records a new temporary AK/SK with its security token.
func (e *Emulator) issueKey(kind string, life time.Duration) (string, issuedKey) {
	now := e.now()
	ak := "EMUTMP" + strings.ToUpper(randomHex(8))
	k := issuedKey{secret: "emu-tmp-secret-" + randomHex(16), token: "emu-tmp-token-" + randomHex(24),
		expires: now.Add(life), kind: kind}
	s := &e.cloud
	s.mu.Lock()
	if s.keys == nil {
		s.keys = map[string]issuedKey{}
	}
	pruneExpired(s.keys, now, func(k issuedKey) time.Time { return k.expires })
	s.keys[ak] = k
	s.mu.Unlock()
	return ak, k
}

// lookupKey returns a key issued by issueKey.
func (e *Emulator) lookupKey(ak string) (issuedKey, bool) {
	s := &e.cloud
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[ak]
	return k, ok
}

func credentialBody(ak string, k issuedKey) map[string]any {
	return map[string]any{"credential": map[string]any{
		"access": ak, "secret": k.secret, "securitytoken": k.token, "expires_at": formatIAMTime(k.expires),
	}}
}

// metadataSecurityKey is GET /openstack/latest/securitykey: the server's
// current temporary keys, replaced when a third of their life is left.
func (e *Emulator) metadataSecurityKey(c *call) {
	ttl := e.cfg.Cloud.metadataKeyTTL()
	now := e.now()
	s := &e.cloud
	s.mu.Lock()
	cur, ok := s.keys[s.metadataKey]
	ak := s.metadataKey
	s.mu.Unlock()
	if !ok || !now.Before(cur.expires.Add(-ttl/3)) {
		ak, cur = e.issueKey("metadata-aksk", ttl)
		s.mu.Lock()
		s.metadataKey = ak
		s.mu.Unlock()
	}
	c.writeJSON(http.StatusOK, credentialBody(ak, cur))
}

// metadataInfo is GET /openstack/latest/meta_data.json.
func (e *Emulator) metadataInfo(c *call) {
	c.writeJSON(http.StatusOK, map[string]any{
		"uuid":              "emulator-server-0000-0000-000000000001",
		"name":              "modelarts-emulator-server",
		"availability_zone": e.cfg.ProjectName + "-01",
		"project_id":        e.cfg.ProjectID,
		"region_id":         e.cfg.ProjectName,
		"meta":              map[string]string{"agency_name": e.cfg.Cloud.AgencyName},
	})
}

// checkIssuedKey finds the secret of a temporary key issued by this
// emulator and checks its security token and expiry.
func (e *Emulator) checkIssuedKey(ak, securityToken string) (secret, kind string, err error) {
	k, ok := e.lookupKey(ak)
	if !ok {
		return "", "", authError("access key not found")
	}
	switch {
	case securityToken == "":
		return "", k.kind, authError("x-security-token missing for temporary access key")
	case !hmac.Equal([]byte(securityToken), []byte(k.token)):
		return "", k.kind, authError("x-security-token invalid")
	case !e.now().Before(k.expires):
		return "", k.kind, authError("the temporary access key has expired")
	}
	return k.secret, k.kind, nil
}
