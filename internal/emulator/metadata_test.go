package emulator

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// listIssued lists the jobs with a request signed with issued temporary keys.
func (h *harness) listIssued(ak, sk, tok string) result {
	h.t.Helper()
	req := h.newRequest("GET", jobsPath, "", withNoAuth(), withHeader("X-Security-Token", tok))
	testSign(req, nil, ak, sk, h.now(), []string{"host", "x-sdk-date", "x-security-token"}, "")
	resp, err := h.client.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	return result{status: resp.StatusCode}
}

func credentialOf(t *testing.T, r result) (ak, sk, tok string, exp time.Time) {
	t.Helper()
	c, _ := r.body["credential"].(map[string]any)
	ak, _ = c["access"].(string)
	sk, _ = c["secret"].(string)
	tok, _ = c["securitytoken"].(string)
	s, _ := c["expires_at"].(string)
	exp, err := time.Parse(time.RFC3339, s)
	if ak == "" || sk == "" || tok == "" || err != nil {
		t.Fatalf("credential incomplete: %s", r.raw)
	}
	return ak, sk, tok, exp
}

// TestMetadata_sessionTokenAndKeys: the handshake, the keys the gateway then
// accepts until they expire, their replacement and meta_data.json.
func TestMetadata_sessionTokenAndKeys(t *testing.T) {
	h := newHarness(t, Config{Cloud: CloudConfig{MetadataKeyTTL: 30 * time.Minute, MetadataRequireToken: true}})
	if r := h.do("GET", "/openstack/latest/securitykey", "", withNoAuth()); r.status != http.StatusUnauthorized {
		t.Fatalf("without a session token: %d, want 401", r.status)
	}
	if r := h.do("PUT", "/meta-data/latest/api/token", "", withNoAuth()); r.status != http.StatusBadRequest {
		t.Fatalf("token without TTL: %d, want 400", r.status)
	}
	r := h.do("PUT", "/meta-data/latest/api/token", "", withNoAuth(), withHeader("X-Metadata-Token-Ttl-Seconds", "21600"))
	session := string(r.raw)
	if r.status != 200 || session == "" {
		t.Fatalf("token: %d %q", r.status, r.raw)
	}
	if r := h.do("GET", "/openstack/latest/securitykey", "", withNoAuth(), withHeader("X-Metadata-Token", "forged")); r.status != 401 {
		t.Fatalf("forged session token: %d, want 401", r.status)
	}
	r = h.do("GET", "/openstack/latest/securitykey", "", withNoAuth(), withHeader("X-Metadata-Token", session))
	ak, sk, tok, exp := credentialOf(t, r)
	if exp.Sub(h.clock.Now()) != 30*time.Minute {
		t.Fatalf("expires_at %v, want now + 30m", exp)
	}
	if r := h.listIssued(ak, sk, tok); r.status != 200 {
		t.Fatalf("metadata keys refused: %d", r.status)
	}
	if got := h.emu.Requests()[len(h.emu.Requests())-1].Auth; got != "metadata-aksk" {
		t.Fatalf("recorded as %q", got)
	}
	if r := h.listIssued(ak, sk, "wrong"); r.status != 401 {
		t.Fatalf("wrong security token: %d", r.status)
	}
	// Same keys until a third of their life is left, then new ones; the old
	// keys keep working until they expire.
	h.clock.Add(15 * time.Minute)
	r = h.do("GET", "/openstack/latest/securitykey", "", withNoAuth(), withHeader("X-Metadata-Token", session))
	if ak2, _, _, _ := credentialOf(t, r); ak2 != ak {
		t.Fatalf("keys replaced too early")
	}
	h.clock.Add(5 * time.Minute)
	r = h.do("PUT", "/meta-data/latest/api/token", "", withNoAuth(), withHeader("X-Metadata-Token-Ttl-Seconds", "21600"))
	session = string(r.raw)
	r = h.do("GET", "/openstack/latest/securitykey", "", withNoAuth(), withHeader("X-Metadata-Token", session))
	ak2, sk2, tok2, _ := credentialOf(t, r)
	if ak2 == ak {
		t.Fatalf("keys not replaced with 10 minutes left")
	}
	if r := h.listIssued(ak, sk, tok); r.status != 200 {
		t.Fatalf("old keys refused before their expiry: %d", r.status)
	}
	h.clock.Add(10 * time.Minute)
	if r := h.listIssued(ak, sk, tok); r.status != 401 {
		t.Fatalf("expired keys accepted: %d", r.status)
	}
	if r := h.listIssued(ak2, sk2, tok2); r.status != 200 {
		t.Fatalf("new keys refused: %d", r.status)
	}

	r = h.do("GET", "/openstack/latest/meta_data.json", "", withNoAuth(), withHeader("X-Metadata-Token", session))
	if r.str("project_id") != DefaultProjectID || r.str("region_id") != DefaultProjectName {
		t.Fatalf("meta_data.json: %s", r.raw)
	}
}

func TestMetadata_disabled(t *testing.T) {
	h := newHarness(t, Config{Cloud: CloudConfig{DisableMetadata: true}})
	for _, p := range []string{"/openstack/latest/securitykey", "/openstack/latest/meta_data.json"} {
		if r := h.do("GET", p, "", withNoAuth()); r.status != 404 {
			t.Errorf("%s: %d, want 404", p, r.status)
		}
	}
}

// TestIAM_projectsAndAssumeRole: the project list by name, and agency keys
// for a caller whose credentials IAM accepts.
func TestIAM_projectsAndAssumeRole(t *testing.T) {
	h := newHarness(t, Config{Cloud: CloudConfig{AgencyName: "ml-agency", AgencyDomain: "other-account"}})
	r := h.do("GET", "/v3/projects?name="+DefaultProjectName, "")
	ps, _ := r.body["projects"].([]any)
	p0, _ := func() (map[string]any, bool) {
		if len(ps) != 1 {
			return nil, false
		}
		p, ok := ps[0].(map[string]any)
		return p, ok
	}()
	if r.status != 200 || p0["id"] != DefaultProjectID {
		t.Fatalf("projects?name=: %d %s", r.status, r.raw)
	}
	r = h.do("GET", "/v3/projects", "")
	if ps, _ := r.body["projects"].([]any); len(ps) != 2 {
		t.Fatalf("projects: %s", r.raw)
	}
	expectError(t, h.do("GET", "/v3/projects", "", withKeys("NOPE", "x")), 401, "APIG.0301", "access key not found")

	body := func(agency, domain string) string {
		return `{"auth":{"identity":{"methods":["assume_role"],"assume_role":{"agency_name":"` + agency +
			`","domain_name":"` + domain + `","duration_seconds":900}}}}`
	}
	if r := h.do("POST", "/v3.0/OS-CREDENTIAL/securitytokens", body("ml-agency", "wrong")); r.status != 403 {
		t.Fatalf("wrong domain: %d %s", r.status, r.raw)
	}
	if r := h.do("POST", "/v3.0/OS-CREDENTIAL/securitytokens", body("ml-agency", "other-account"), withNoAuth()); r.status != 401 {
		t.Fatalf("no caller credentials: %d %s", r.status, r.raw)
	}
	r = h.do("POST", "/v3.0/OS-CREDENTIAL/securitytokens", body("ml-agency", "other-account"), withToken(DefaultToken))
	if r.status != 201 {
		t.Fatalf("assume_role: %d %s", r.status, r.raw)
	}
	ak, sk, tok, exp := credentialOf(t, r)
	if exp.Sub(h.clock.Now()) != 900*time.Second {
		t.Fatalf("expires_at %v", exp)
	}
	if r := h.listIssued(ak, sk, tok); r.status != 200 {
		t.Fatalf("agency keys refused: %d", r.status)
	}
	if got := h.emu.Requests()[len(h.emu.Requests())-1].Auth; got != "agency-aksk" {
		t.Fatalf("recorded as %q", got)
	}
}

// TestIAM_tokenMethodAndDomainScope: a domain-scoped token lists projects
// but does not open ModelArts; the token method exchanges it for a project
// token.
func TestIAM_tokenMethodAndDomainScope(t *testing.T) {
	h := newHarness(t, Config{})
	r := h.do("POST", "/v3/auth/tokens", iamBody(DefaultUser, DefaultPassword, DefaultDomain,
		`,"scope":{"domain":{"name":"`+DefaultDomain+`"}}`), withNoAuth())
	domainTok := r.header.Get("X-Subject-Token")
	if r.status != 201 || domainTok == "" {
		t.Fatalf("domain token: %d %s", r.status, r.raw)
	}
	if r := h.do("GET", "/v3/projects?name=eu-de", "", withToken(domainTok)); r.status != 200 {
		t.Fatalf("projects with a domain token: %d", r.status)
	}
	expectError(t, h.do("GET", jobsPath, "", withToken(domainTok)), 401, "APIG.0301", "scoped to a domain")
	exchange := `{"auth":{"identity":{"methods":["token"],"token":{"id":"` + domainTok + `"}}` + projectScope + `}}`
	r = h.do("POST", "/v3/auth/tokens", exchange, withNoAuth())
	if r.status != 201 || !strings.Contains(string(r.raw), `"methods":["token"]`) {
		t.Fatalf("token method: %d %s", r.status, r.raw)
	}
	if r := h.do("GET", jobsPath, "", withToken(r.header.Get("X-Subject-Token"))); r.status != 200 {
		t.Fatalf("exchanged token refused: %d", r.status)
	}
	bad := `{"auth":{"identity":{"methods":["token"],"token":{"id":"forged"}}` + projectScope + `}}`
	if r := h.do("POST", "/v3/auth/tokens", bad, withNoAuth()); r.status != 401 {
		t.Fatalf("forged token exchanged: %d", r.status)
	}
}
