// Package client is a ModelArts v1 visualization-jobs API client.
//
// It speaks the API described in the project's modelarts-api.md: AK/SK request
// signing (permanent or temporary keys), IAM password tokens, or a ready token;
// retries with backoff for throttling and transient failures; and lenient decoding
// of the API's inconsistently typed bodies. It imports only the standard library.
package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const (
	defaultMaxRetries   = 5
	maxMaxRetries       = 50
	defaultBackoffBase  = 500 * time.Millisecond
	defaultBackoffMax   = 30 * time.Second
	defaultUserAgent    = "terraform-provider-modelarts-client"
	defaultRenewBefore  = 5 * time.Minute
	iamRequestTimeout   = 60 * time.Second
	defaultTokenRefresh = time.Hour // assumed lifetime when IAM omits expires_at
)

// Logger receives one structured line per HTTP attempt. fields holds method, path
// (never the query), status (0 when no response arrived), attempt (1-based),
// duration_ms, request_id, authorization (the scheme and at most "Access=<AK>",
// never a secret or signature), error when the attempt failed, and retry_in_ms when
// another attempt follows. IAM token requests and token renewals after a 401 get a
// line of their own. It may be called from several goroutines at once.
type Logger func(ctx context.Context, msg string, fields map[string]any)

// Option configures a Client; an option that gets invalid input makes New fail.
type Option func(*Client) error

type credKind int

const (
	credAccessKey credKind = 1 << iota
	credPassword
	credToken
	credMetadata
)

// Client calls the ModelArts visualization-jobs API. It is safe for concurrent use.
type Client struct {
	baseURL   *url.URL
	iamURL    *url.URL
	projectID string
	userAgent string
	// userAgentVals is the header value slice shared by every request.
	userAgentVals []string
	maxRetries    int
	backoff       struct{ base, max time.Duration }
	logger        Logger
	// attemptLimits are the per-attempt time limits, 0 for the defaults (timeouts.go).
	attemptLimits struct{ header, body time.Duration }
	// noRetryFloor lets this package's own tests retry without MinRetryWait.
	noRetryFloor bool

	creds struct {
		kinds              credKind
		ak, sk, secToken   string
		user, pass, domain string
		token              string
	}
	userHC *http.Client

	hc        *http.Client      // userHC copy whose transport adds auth
	rt        http.RoundTripper // hc.Transport when hc.Do would add nothing; see finish
	signing   *signingTransport // rt when it signs, for signing without a copy
	prefix    string            // scheme://host[/base]/v1/{project}/visualization-jobs
	pathStart int               // index in prefix where the URL path begins
	authDesc  string            // redacted description of the auth scheme, for logs
	iam       *iamTokenSource

	metadataURL string               // WithInstanceMetadata
	assumeRole  *assumeRole          // WithAssumeRole
	keys        *renewingCredentials // the temporary keys that sign, when they are renewed
}

// New returns a Client. It requires WithBaseURL, WithProjectID and exactly one of
// WithAccessKey, WithPassword (which also requires WithIAMURL) or WithToken.
func New(opts ...Option) (*Client, error) {
	c := &Client{
		userAgent:  defaultUserAgent,
		maxRetries: defaultMaxRetries,
	}
	c.backoff.base, c.backoff.max = defaultBackoffBase, defaultBackoffMax
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(c); err != nil {
			return nil, fmt.Errorf("configuring ModelArts client: %w", err)
		}
	}
	if err := c.finish(); err != nil {
		return nil, fmt.Errorf("configuring ModelArts client: %w", err)
	}
	return c, nil
}

func (c *Client) finish() error {
	if c.baseURL == nil {
		return errors.New("a ModelArts endpoint (base URL) is required")
	}
	if c.projectID == "" {
		return errors.New("a project ID is required")
	}
	switch c.creds.kinds {
	case 0:
		return errors.New("no credentials: set an access key and secret key, an IAM user name and password, or a token")
	case credAccessKey, credPassword, credToken, credMetadata:
	default:
		return fmt.Errorf("more than one kind of credentials set (%s): set exactly one", c.creds.kinds)
	}

	hc := http.Client{}
	if c.userHC != nil {
		hc = *c.userHC
	}
	base := hc.Transport
	if base == nil {
		if dt, ok := http.DefaultTransport.(*http.Transport); ok {
			base = dt.Clone()
		} else {
			base = http.DefaultTransport // replaced by the program: use it as it is
		}
	}
	// ModelArts does not redirect; following one would hand the credentials the
	// transport adds to whatever host the redirect names.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	rt, desc, err := c.authTransport(base, hc)
	if err != nil {
		return err
	}
	hc.Transport, c.authDesc = rt, desc
	c.hc = &hc
	// http.Client.Do adds nothing this client uses when there is no Timeout and
	// no cookie Jar (redirects are refused anyway), but costs allocations per
	// request: then the retry loop calls the transport directly.
	if hc.Timeout == 0 && hc.Jar == nil {
		c.rt = hc.Transport
		c.signing, _ = hc.Transport.(*signingTransport)
	}
	c.userAgentVals = []string{c.userAgent}
	// The credentials now live only in the transport.
	c.creds.sk, c.creds.secToken, c.creds.pass, c.creds.token = "", "", "", ""

	basePath := strings.TrimRight(c.baseURL.EscapedPath(), "/")
	origin := c.baseURL.Scheme + "://" + c.baseURL.Host
	c.pathStart = len(origin)
	c.prefix = origin + basePath + "/v1/" + url.PathEscape(c.projectID) + "/visualization-jobs"
	return nil
}

func (k credKind) String() string {
	var names []string
	if k&credAccessKey != 0 {
		names = append(names, "access key")
	}
	if k&credPassword != 0 {
		names = append(names, "password")
	}
	if k&credToken != 0 {
		names = append(names, "token")
	}
	if k&credMetadata != 0 {
		names = append(names, "instance metadata")
	}
	return strings.Join(names, ", ")
}

// parseEndpoint accepts an absolute http or https URL without query or fragment.
func parseEndpoint(what, raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, fmt.Errorf("%s is empty", what)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%s %q is not a valid URL: %w", what, raw, err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("%s %q must be an absolute http or https URL", what, raw)
	case u.Host == "" || u.Hostname() == "":
		return nil, fmt.Errorf("%s %q has no host", what, raw)
	case u.User != nil:
		return nil, fmt.Errorf("%s must not carry user information", what)
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return nil, fmt.Errorf("%s %q must not have a query or fragment", what, raw)
	}
	return u, nil
}

// WithBaseURL sets the ModelArts endpoint, e.g. https://modelarts.eu-de.otc.t-systems.com.
// A base path (https://proxy.example/modelarts) is kept in front of /v1/...
func WithBaseURL(u string) Option {
	return func(c *Client) error {
		parsed, err := parseEndpoint("ModelArts endpoint", u)
		if err != nil {
			return err
		}
		c.baseURL = parsed
		return nil
	}
}

// WithIAMURL sets the IAM v3 endpoint, e.g. https://iam.eu-de.otc.t-systems.com/v3;
// the token request goes to {iam}/auth/tokens. Only password authentication uses it.
func WithIAMURL(u string) Option {
	return func(c *Client) error {
		parsed, err := parseEndpoint("IAM endpoint", u)
		if err != nil {
			return err
		}
		c.iamURL = parsed
		return nil
	}
}

// ProjectID returns the project every request names (WithProjectID).
func (c *Client) ProjectID() string { return c.projectID }

// WithProjectID sets the project ID that every path, and the token scope, names.
func WithProjectID(id string) Option {
	return func(c *Client) error {
		if strings.TrimSpace(id) == "" {
			return errors.New("project ID is empty")
		}
		if !validHeaderValue(id) || strings.ContainsAny(id, " /") {
			return errors.New("project ID contains characters that are not allowed (space, slash or control characters)")
		}
		c.projectID = id
		return nil
	}
}

// WithAccessKey selects AK/SK request signing. securityToken is "" for permanent
// keys; for temporary keys it is sent, and signed, as X-Security-Token.
func WithAccessKey(ak, sk, securityToken string) Option {
	return func(c *Client) error {
		if ak == "" || sk == "" {
			return errors.New("access key and secret key must both be set")
		}
		if !validHeaderValue(ak) || strings.ContainsAny(ak, " ,") {
			return errors.New("access key contains characters that are not allowed")
		}
		if !validHeaderValue(securityToken) {
			return errors.New("security token contains control characters")
		}
		c.creds.kinds |= credAccessKey
		c.creds.ak, c.creds.sk, c.creds.secToken = ak, sk, securityToken
		return nil
	}
}

// WithPassword selects IAM password authentication: a token scoped to the project
// (by ID) is requested from IAM, cached, and renewed before it expires.
func WithPassword(user, password, domain string) Option {
	return func(c *Client) error {
		if user == "" || password == "" || domain == "" {
			return errors.New("IAM user name, password and domain name must all be set")
		}
		c.creds.kinds |= credPassword
		c.creds.user, c.creds.pass, c.creds.domain = user, password, domain
		return nil
	}
}

// WithToken selects a ready IAM token, sent as X-Auth-Token and never renewed.
func WithToken(token string) Option {
	return func(c *Client) error {
		if token == "" {
			return errors.New("token is empty")
		}
		if !validHeaderValue(token) {
			return errors.New("token contains control characters")
		}
		c.creds.kinds |= credToken
		c.creds.token = token
		return nil
	}
}

// WithInstanceMetadata selects the temporary AK/SK of the instance metadata
// service at endpoint (DefaultMetadataEndpoint when ""), as a cloud server or
// ModelArts notebook has them: read with the session-token handshake when
// the service offers it, and renewed before they expire.
func WithInstanceMetadata(endpoint string) Option {
	return func(c *Client) error {
		if endpoint == "" {
			endpoint = DefaultMetadataEndpoint
		}
		if _, err := parseEndpoint("metadata endpoint", endpoint); err != nil {
			return err
		}
		c.creds.kinds |= credMetadata
		c.metadataURL = endpoint
		return nil
	}
}

// WithHTTPClient sets the HTTP client to start from (timeouts, proxy, TLS). The
// Client works on a copy whose transport wraps hc.Transport (http.DefaultTransport's
// settings when nil) with authentication, and which does not follow redirects; hc
// itself is never modified.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error {
		if hc == nil {
			return errors.New("HTTP client is nil")
		}
		c.userHC = hc
		return nil
	}
}

// WithUserAgent sets the User-Agent header of every request.
func WithUserAgent(ua string) Option {
	return func(c *Client) error {
		if strings.TrimSpace(ua) == "" || !validHeaderValue(ua) {
			return errors.New("user agent is empty or contains control characters")
		}
		c.userAgent = ua
		return nil
	}
}

// WithMaxRetries sets how many times a request is retried after its first attempt
// (0 to 50; default 5).
func WithMaxRetries(n int) Option {
	return func(c *Client) error {
		if n < 0 || n > maxMaxRetries {
			return fmt.Errorf("max retries %d is out of range 0..%d", n, maxMaxRetries)
		}
		c.maxRetries = n
		return nil
	}
}

// WithRetryBackoff sets the exponential backoff: the wait before retry k is random in
// [0, min(max, base*2^(k-1))] (default 500ms and 30s), and never less than MinRetryWait.
func WithRetryBackoff(base, max time.Duration) Option {
	return func(c *Client) error {
		if base <= 0 || max < base {
			return fmt.Errorf("retry backoff base %s must be positive and not above max %s", base, max)
		}
		c.backoff.base, c.backoff.max = base, max
		return nil
	}
}

// WithLogger sets the per-attempt logging hook; nil disables logging.
func WithLogger(l Logger) Option {
	return func(c *Client) error {
		c.logger = l
		return nil
	}
}

// log calls the logger, if any.
func (c *Client) log(ctx context.Context, msg string, fields map[string]any) {
	if c.logger != nil {
		c.logger(ctx, msg, fields)
	}
}
