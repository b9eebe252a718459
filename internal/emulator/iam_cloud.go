package emulator

import (
	"encoding/json"
	"net/http"
	"slices"
	"time"
)

// mosProjectID is the ID of the second project every account has on Open
// Telekom Cloud ("MOS", used by the marketplace), so that a project list has
// more than the one project the emulator serves.
const mosProjectID = "f0e1d2c3b4a5968778695a4b3c2d1e0f"

// listProjects is IAM's GET /v3/projects[?name=N]: the emulator's project
// (named after the region) and MOS.
func (e *Emulator) listProjects(c *call) {
	all := []map[string]any{
		{"id": e.cfg.ProjectID, "name": e.cfg.ProjectName, "domain_id": "emulator-domain-id", "enabled": true,
			"is_domain": false, "parent_id": "emulator-domain-id", "description": ""},
		{"id": mosProjectID, "name": "MOS", "domain_id": "emulator-domain-id", "enabled": true,
			"is_domain": false, "parent_id": "emulator-domain-id", "description": ""},
	}
	projects := []map[string]any{}
	q := c.r.URL.Query()
	for _, p := range all {
		if q.Has("name") && p["name"] != q.Get("name") {
			continue
		}
		projects = append(projects, p)
	}
	c.writeJSON(http.StatusOK, map[string]any{"projects": projects, "links": map[string]any{"self": c.r.URL.Path}})
}

// assumeRoleRequest is the body of POST /v3.0/OS-CREDENTIAL/securitytokens.
type assumeRoleRequest struct {
	Auth struct {
		Identity struct {
			Methods    []string `json:"methods"`
			AssumeRole *struct {
				AgencyName      string `json:"agency_name"`
				DomainName      string `json:"domain_name"`
				DomainID        string `json:"domain_id"`
				DurationSeconds *int   `json:"duration_seconds"`
			} `json:"assume_role"`
		} `json:"identity"`
	} `json:"auth"`
}

// assumeRole issues temporary keys of the configured agency to a caller
// that authenticated with any accepted credentials, answering 201 like IAM.
func (e *Emulator) assumeRole(c *call, body []byte) {
	var req assumeRoleRequest
	if err := json.Unmarshal(body, &req); err != nil {
		c.iamError(http.StatusBadRequest, "Bad Request", "The request body is not valid JSON.")
		return
	}
	id := req.Auth.Identity
	if !slices.Contains(id.Methods, "assume_role") || id.AssumeRole == nil {
		c.iamError(http.StatusBadRequest, "Bad Request",
			`auth.identity.methods must contain "assume_role" and auth.identity.assume_role must be set.`)
		return
	}
	ar := id.AssumeRole
	duration := 900
	if ar.DurationSeconds != nil {
		duration = *ar.DurationSeconds
	}
	if duration < 900 || duration > 43200 {
		c.iamError(http.StatusBadRequest, "Bad Request", "duration_seconds must be between 900 and 43200.")
		return
	}
	name, domain := e.agency()
	if ar.DomainName != domain || ar.AgencyName != name {
		c.iamError(http.StatusForbidden, "Forbidden",
			"The agency does not exist in the domain, or the caller is not allowed to assume it.")
		return
	}
	life := time.Duration(duration) * time.Second
	if e.cfg.Cloud.AgencyKeyTTL > 0 {
		life = e.cfg.Cloud.AgencyKeyTTL
	}
	ak, k := e.issueKey("agency-aksk", life)
	c.writeJSON(http.StatusCreated, credentialBody(ak, k))
}
