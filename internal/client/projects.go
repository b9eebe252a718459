package client

import (
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

// maxProjects bounds the project list read from IAM.
const maxProjects = 1000

// Project is an IAM project.
type Project struct {
	ID, Name string
}

// ProjectNotFoundError says that IAM has no project of the name asked for;
// Available lists the names it has (at most maxProjects).
type ProjectNotFoundError struct {
	Name      string
	Available []string
}

func (e *ProjectNotFoundError) Error() string {
	if len(e.Available) == 0 {
		return fmt.Sprintf("IAM has no project named %q and lists no project for these credentials", e.Name)
	}
	return fmt.Sprintf("IAM has no project named %q; it lists %s", e.Name, strings.Join(e.Available, ", "))
}

// FindProject asks IAM (GET {iam}/projects?name=NAME, with WithIAMURL) for
// the ID of the project called name, authenticated with the credentials of
// opts, which are those of New without WithProjectID (a password logs in to
// the domain for this). When there is no such project, the error is a
// *ProjectNotFoundError with the names IAM lists.
func FindProject(ctx context.Context, name string, opts ...Option) (Project, error) {
	c := &Client{userAgent: defaultUserAgent}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(c); err != nil {
			return Project{}, fmt.Errorf("configuring the IAM project lookup: %w", err)
		}
	}
	if c.iamURL == nil {
		return Project{}, errors.New("the IAM project lookup needs the IAM endpoint (WithIAMURL)")
	}
	c.projectID = ""
	hc := http.Client{}
	if c.userHC != nil {
		hc = *c.userHC
	}
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	rt, _, err := c.authTransport(base, hc)
	if err != nil {
		return Project{}, err
	}
	hc.Transport = rt

	projects, err := c.listProjects(ctx, &hc, name)
	if err != nil {
		return Project{}, err
	}
	for _, p := range projects {
		if p.Name == name {
			c.log(ctx, "found the project in IAM", map[string]any{"project_name": p.Name, "project_id": p.ID})
			return p, nil
		}
	}
	all, err := c.listProjects(ctx, &hc, "")
	if err != nil {
		return Project{}, err
	}
	nf := &ProjectNotFoundError{Name: name}
	for _, p := range all {
		nf.Available = append(nf.Available, p.Name)
	}
	return Project{}, nf
}

func (c *Client) listProjects(ctx context.Context, hc *http.Client, name string) (out []Project, err error) {
	u := *c.iamURL
	u.Path = strings.TrimRight(u.Path, "/") + "/projects"
	u.RawPath = ""
	if name != "" {
		u.RawQuery = url.Values{"name": {name}}.Encode()
	}
	path := u.EscapedPath()
	start := time.Now()
	fields := map[string]any{"method": http.MethodGet, "path": path, "attempt": 1, "authorization": "(redacted)"}
	defer func() {
		fields["duration_ms"] = time.Since(start).Milliseconds()
		if err != nil {
			fields["error"] = err.Error()
		}
		c.log(ctx, "IAM project list request", fields)
	}()
	ctx, cancel := context.WithTimeout(ctx, iamRequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	resp, err := hc.Do(req)
	if err != nil {
		var ns *notSentError
		if errors.As(err, &ns) {
			return nil, ns
		}
		return nil, err
	}
	defer resp.Body.Close()
	fields["status"] = resp.StatusCode
	fields["request_id"] = requestIDFrom(resp.Header)
	if resp.StatusCode != http.StatusOK {
		e := newAPIError(resp, http.MethodGet, path)
		e.service = serviceIAM
		e.Message = "IAM refused to list the projects (check auth_url and that the credentials belong to the account)" +
			serverSays(e.Message, resp.StatusCode)
		return nil, e
	}
	var body struct {
		Projects []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"projects"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 8<<20)).Decode(&body); err != nil {
		return nil, fmt.Errorf("IAM project list: %w: %v", ErrMalformedResponse, err)
	}
	for i, p := range body.Projects {
		if i == maxProjects {
			break
		}
		out = append(out, Project{ID: p.ID, Name: capMessage(sanitize(p.Name), 128)})
	}
	return out, nil
}
