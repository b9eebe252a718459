package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Limits of an agency session (IAM's duration_seconds).
const (
	MinAssumeRoleDuration     = 900 * time.Second
	MaxAssumeRoleDuration     = 43200 * time.Second
	DefaultAssumeRoleDuration = time.Hour
)

type assumeRole struct {
	agency, domain string
	duration       time.Duration
}

// WithAssumeRole makes the client sign with temporary credentials of an IAM
// agency, obtained with the other credentials (any method) from
// POST {iam root}/v3.0/OS-CREDENTIAL/securitytokens and renewed before they
// expire. It needs WithIAMURL. duration 0 means DefaultAssumeRoleDuration.
func WithAssumeRole(agency, domain string, duration time.Duration) Option {
	return func(c *Client) error {
		if agency == "" || domain == "" {
			return errors.New("assume role needs the agency name and the domain name")
		}
		if duration == 0 {
			duration = DefaultAssumeRoleDuration
		}
		if duration < MinAssumeRoleDuration || duration > MaxAssumeRoleDuration {
			return fmt.Errorf("assume role duration %s is out of range %s..%s", duration, MinAssumeRoleDuration, MaxAssumeRoleDuration)
		}
		c.assumeRole = &assumeRole{agency: agency, domain: domain, duration: duration}
		return nil
	}
}

// securityTokensURL is the assume_role endpoint: IAM's v3.0 API next to the
// v3 one that auth_url names.
func securityTokensURL(iam *url.URL) string {
	u := *iam
	p := strings.TrimRight(u.Path, "/")
	p = strings.TrimSuffix(strings.TrimSuffix(p, "/v3"), "/v3.0")
	u.Path = p + "/v3.0/OS-CREDENTIAL/securitytokens"
	u.RawPath = ""
	return u.String()
}

// agencyFetcher asks IAM for the agency's credentials through rt, which
// authenticates with the base credentials.
func (c *Client) agencyFetcher(rt http.RoundTripper) credentialFetcher {
	ar := c.assumeRole
	target := securityTokensURL(c.iamURL)
	path := "/v3.0/OS-CREDENTIAL/securitytokens"
	if u, err := url.Parse(target); err == nil {
		path = u.EscapedPath()
	}
	var body struct {
		Auth struct {
			Identity struct {
				Methods    []string `json:"methods"`
				AssumeRole struct {
					AgencyName      string `json:"agency_name"`
					DomainName      string `json:"domain_name"`
					DurationSeconds int    `json:"duration_seconds"`
				} `json:"assume_role"`
			} `json:"identity"`
		} `json:"auth"`
	}
	body.Auth.Identity.Methods = []string{"assume_role"}
	body.Auth.Identity.AssumeRole.AgencyName = ar.agency
	body.Auth.Identity.AssumeRole.DomainName = ar.domain
	body.Auth.Identity.AssumeRole.DurationSeconds = int(ar.duration / time.Second)
	b, _ := json.Marshal(body) // cannot fail: strings and an int
	hc := &http.Client{Transport: rt, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	ua := c.userAgent

	return func(ctx context.Context) (creds Credentials, err error) {
		start := time.Now()
		fields := map[string]any{"method": http.MethodPost, "path": path, "attempt": 1,
			"agency_name": ar.agency, "domain_name": ar.domain, "authorization": "base credentials (redacted)"}
		defer func() {
			fields["duration_ms"] = time.Since(start).Milliseconds()
			if err != nil {
				fields["error"] = err.Error()
			} else {
				fields["expires_at"] = creds.ExpiresAt.UTC().Format(time.RFC3339)
			}
			c.log(ctx, "IAM assume_role request", fields)
		}()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(b))
		if err != nil {
			return Credentials{}, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		req.Header.Set("User-Agent", ua)
		resp, err := hc.Do(req)
		if err != nil {
			return Credentials{}, err
		}
		defer resp.Body.Close()
		fields["status"] = resp.StatusCode
		fields["request_id"] = requestIDFrom(resp.Header)
		if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
			e := newAPIError(resp, http.MethodPost, path)
			e.service = serviceIAM
			e.Message = fmt.Sprintf("IAM refused the credentials of agency %q in domain %q (check the agency, its "+
				"domain and that the base credentials may assume it)", ar.agency, ar.domain) + serverSays(e.Message, resp.StatusCode)
			return Credentials{}, e
		}
		var cb credentialBody
		if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&cb); err != nil {
			return Credentials{}, fmt.Errorf("IAM assume_role response: %w: %v", ErrMalformedResponse, err)
		}
		return cb.credentials("IAM assume_role")
	}
}

func serverSays(msg string, status int) string {
	if msg == "" || msg == http.StatusText(status) {
		return ""
	}
	return ": " + msg
}
