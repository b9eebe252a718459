package emulator

import (
	"crypto/hmac"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"time"
)

// iamAuthRequest is the body of POST /v3/auth/tokens (password method).
type iamAuthRequest struct {
	Auth struct {
		Identity struct {
			Methods  []string `json:"methods"`
			Password *struct {
				User struct {
					Name     string `json:"name"`
					Password string `json:"password"`
					Domain   struct {
						Name string `json:"name"`
					} `json:"domain"`
				} `json:"user"`
			} `json:"password"`
		} `json:"identity"`
		Scope *struct {
			Project *struct {
				ID   string `json:"id"`
				Name string `json:"name"`
			} `json:"project"`
		} `json:"scope"`
	} `json:"auth"`
}

// Bounds of the map of issued tokens.
const (
	tokenSweepAt = 1000  // from this many tokens on, expired ones are dropped at each issue
	maxTokens    = 10000 // live tokens kept at most
)

// storeToken keeps an issued token, with the map bounded: from tokenSweepAt
// tokens on, expired ones are dropped, and at maxTokens live ones the token
// that expires first is evicted (its holder gets 401 "token invalid" and logs
// in again, as after a revocation). Callers hold e.mu.
func (e *Emulator) storeToken(token string, expires, now time.Time) {
	if len(e.tokens) >= tokenSweepAt {
		for k, t := range e.tokens {
			if t.expired || !now.Before(t.expires) {
				delete(e.tokens, k)
			}
		}
	}
	if len(e.tokens) >= maxTokens {
		var first string
		var at time.Time
		for k, t := range e.tokens {
			if first == "" || t.expires.Before(at) {
				first, at = k, t.expires
			}
		}
		delete(e.tokens, first)
	}
	e.tokens[token] = issuedToken{expires: expires}
}

func (c *call) iamError(status int, title, msg string) {
	c.writeJSON(status, map[string]any{"error": map[string]any{"code": status, "message": msg, "title": title}})
}

// handleIAM issues a project-scoped token for the configured user, answering
// like IAM: 201, the token in X-Subject-Token, its facts in the body.
func (e *Emulator) handleIAM(c *call, body []byte) {
	var req iamAuthRequest
	// IAM ignores fields it does not know (the real body has many optional
	// ones), so this decode is lenient on purpose.
	if err := json.Unmarshal(body, &req); err != nil {
		c.iamError(http.StatusBadRequest, "Bad Request", "The request body is not valid JSON.")
		return
	}
	id := req.Auth.Identity
	if !slices.Contains(id.Methods, "password") || id.Password == nil {
		c.iamError(http.StatusBadRequest, "Bad Request",
			`The emulator supports only the "password" identity method with auth.identity.password set.`)
		return
	}
	u := id.Password.User
	ok := hmac.Equal([]byte(u.Name), []byte(e.cfg.User))
	ok = hmac.Equal([]byte(u.Password), []byte(e.cfg.Password)) && ok
	ok = u.Domain.Name == e.cfg.Domain && ok
	if !ok {
		c.iamError(http.StatusUnauthorized, "Unauthorized", "The username or password is wrong.")
		return
	}
	scope := req.Auth.Scope
	if scope == nil || scope.Project == nil || (scope.Project.ID == "" && scope.Project.Name == "") {
		c.iamError(http.StatusBadRequest, "Bad Request",
			"An unscoped token was requested: ModelArts needs a project-scoped token, set auth.scope.project.id or .name.")
		return
	}
	if (scope.Project.ID != "" && scope.Project.ID != e.cfg.ProjectID) ||
		(scope.Project.Name != "" && scope.Project.Name != e.cfg.ProjectName) {
		c.iamError(http.StatusUnauthorized, "Unauthorized", "The project in auth.scope does not exist or the user has no access to it.")
		return
	}

	var raw [32]byte
	_, _ = rand.Read(raw[:])
	token := "MIIemu" + hex.EncodeToString(raw[:])
	issued := e.now()
	expires := issued.Add(e.cfg.TokenTTL)
	e.mu.Lock()
	e.storeToken(token, expires, issued)
	e.mu.Unlock()

	domain := map[string]any{"id": "emulator-domain-id", "name": e.cfg.Domain}
	c.w.Header().Set("X-Subject-Token", token)
	c.writeJSON(http.StatusCreated, map[string]any{"token": map[string]any{
		"expires_at": formatIAMTime(expires),
		"issued_at":  formatIAMTime(issued),
		"methods":    []string{"password"},
		"project":    map[string]any{"id": e.cfg.ProjectID, "name": e.cfg.ProjectName, "domain": domain},
		"user": map[string]any{"id": "emulator-user-id", "name": e.cfg.User, "domain": domain,
			"password_expires_at": ""},
		"roles":   []map[string]string{{"id": "0", "name": "te_admin"}},
		"catalog": []any{},
	}})
}
