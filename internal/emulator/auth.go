package emulator

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

const (
	signAlgorithm  = "SDK-HMAC-SHA256"
	sdkDateLayout  = "20060102T150405Z"
	legacyScopeEnd = "sdk_request"
)

// authError is why the gateway refused a request's credentials; its text is
// the part after "Incorrect IAM authentication information: ".
type authError string

func (e authError) Error() string { return string(e) }

// authenticate checks the request's credentials like the API gateway does and
// returns the project they belong to. On failure it has answered 401.
func (e *Emulator) authenticate(c *call, body []byte) (string, bool) {
	var err error
	switch authz := c.r.Header.Get("Authorization"); {
	case authz != "":
		var kind string
		kind, err = e.verifySignature(c.r, body)
		c.auth = kind
	case c.r.Header.Get("X-Auth-Token") != "":
		c.auth = "token"
		var domainScoped bool
		domainScoped, err = e.checkToken(c.r.Header.Get("X-Auth-Token"))
		// A domain-scoped token may ask IAM for projects and agencies, but
		// names no project for ModelArts.
		if err == nil && domainScoped && !strings.HasPrefix(c.route.op, "iam-") {
			err = authError("the token is scoped to a domain, not to a project")
		}
	default:
		err = authError("no Authorization or X-Auth-Token header")
	}
	if err != nil {
		c.gatewayError(http.StatusUnauthorized, "APIG.0301", "Incorrect IAM authentication information: "+err.Error())
		return "", false
	}
	// Keys and tokens of this emulator all belong to its one project.
	return e.cfg.ProjectID, true
}

// signature is a parsed Authorization header of either form.
type signature struct {
	legacy        bool
	accessKey     string
	scope         string // legacy only: YYYYMMDD/region/service/sdk_request
	signedHeaders []string
	signature     string
}

func parseAuthorization(v string) (signature, error) {
	var s signature
	rest, ok := strings.CutPrefix(v, signAlgorithm+" ")
	if !ok {
		return s, authError("unsupported Authorization scheme, want " + signAlgorithm)
	}
	seen := map[string]bool{}
	for _, part := range strings.Split(rest, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || seen[k] {
			return s, authError("malformed Authorization header")
		}
		seen[k] = true
		switch k {
		case "Access":
			s.accessKey = val
		case "Credential":
			s.legacy = true
			ak, scope, ok := strings.Cut(val, "/")
			if !ok {
				return s, authError("malformed Credential in Authorization header")
			}
			s.accessKey, s.scope = ak, scope
		case "SignedHeaders":
			s.signedHeaders = strings.Split(val, ";")
		case "Signature":
			s.signature = val
		default:
			return s, authError("malformed Authorization header: unknown field " + k)
		}
	}
	if seen["Access"] == seen["Credential"] || !seen["SignedHeaders"] || !seen["Signature"] {
		return s, authError("malformed Authorization header: need Access (or Credential), SignedHeaders and Signature")
	}
	for i, h := range s.signedHeaders {
		if h == "" || h != strings.ToLower(h) || (i > 0 && s.signedHeaders[i-1] >= h) {
			return s, authError("SignedHeaders must be lower-case, sorted and unique")
		}
	}
	return s, nil
}

// verifySignature checks an SDK-HMAC-SHA256 signature by rebuilding the
// canonical request from what was received. It returns the scheme ("aksk",
// "aksk-legacy" or "temp-aksk"), known as soon as the header is parsed.
func (e *Emulator) verifySignature(r *http.Request, body []byte) (string, error) {
	s, err := parseAuthorization(r.Header.Get("Authorization"))
	kind := "aksk"
	if s.legacy {
		kind = "aksk-legacy"
	}
	if err != nil {
		return kind, err
	}
	var secret string
	temporary := false
	switch s.accessKey {
	case e.cfg.AccessKey:
		secret = e.cfg.SecretKey
	case e.cfg.TempAccessKey:
		kind, secret, temporary = "temp-aksk", e.cfg.TempSecretKey, true
	default:
		// Keys issued by the metadata service or by assume_role: the
		// security token is checked here, its signing below.
		var issuedKind string
		secret, issuedKind, err = e.checkIssuedKey(s.accessKey, r.Header.Get("X-Security-Token"))
		if issuedKind != "" {
			kind, temporary = issuedKind, true
		}
		if err != nil {
			return kind, err
		}
		if !signedHeader(s.signedHeaders, "x-security-token") {
			return kind, authError("x-security-token is not a signed header")
		}
	}
	signed := map[string]bool{}
	for _, h := range s.signedHeaders {
		signed[h] = true
	}
	if !signed["x-sdk-date"] {
		return kind, authError("x-sdk-date is not a signed header")
	}
	date := r.Header.Get("X-Sdk-Date")
	t, err := time.Parse(sdkDateLayout, date)
	if err != nil {
		return kind, authError("x-sdk-date invalid, want " + sdkDateLayout)
	}
	if d := e.now().Sub(t); d > signatureClockSkewMax || d < -signatureClockSkewMax {
		return kind, authError("x-sdk-date expired")
	}
	if kind == "temp-aksk" && temporary {
		switch tok := r.Header.Get("X-Security-Token"); {
		case tok == "":
			return kind, authError("x-security-token missing for temporary access key")
		case !signed["x-security-token"]:
			return kind, authError("x-security-token is not a signed header")
		case !hmac.Equal([]byte(tok), []byte(e.cfg.SecurityToken)):
			return kind, authError("x-security-token invalid")
		}
	}
	for _, h := range s.signedHeaders {
		if h != "host" && len(r.Header.Values(h)) == 0 && !(h == "content-length" && r.ContentLength >= 0) {
			return kind, authError("signed header " + h + " missing from the request")
		}
	}
	canonical, err := canonicalRequest(r, body, s.signedHeaders)
	if err != nil {
		return kind, err
	}
	var want string
	if s.legacy {
		scope := strings.Split(s.scope, "/")
		if len(scope) != 4 || scope[3] != legacyScopeEnd || scope[1] == "" || scope[2] == "" {
			return kind, authError("malformed Credential scope, want YYYYMMDD/region/service/" + legacyScopeEnd)
		}
		if scope[0] != date[:8] {
			return kind, authError("Credential date does not match x-sdk-date")
		}
		if scope[1] != e.cfg.ProjectName {
			return kind, authError("Credential region " + scope[1] + " is not " + e.cfg.ProjectName)
		}
		key := []byte("SDK" + secret)
		for _, part := range scope {
			key = hmacSHA256(key, part)
		}
		want = hex.EncodeToString(hmacSHA256(key, stringToSign(date, s.scope, canonical)))
	} else {
		want = hex.EncodeToString(hmacSHA256([]byte(secret), stringToSign(date, "", canonical)))
	}
	if !hmac.Equal([]byte(want), []byte(s.signature)) {
		return kind, authError("verify aksk signature fail")
	}
	return kind, nil
}

func signedHeader(signed []string, h string) bool {
	for _, s := range signed {
		if s == h {
			return true
		}
	}
	return false
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// stringToSign adds the legacy credential scope line when scope is non-empty.
func stringToSign(date, scope, canonical string) string {
	if scope != "" {
		return signAlgorithm + "\n" + date + "\n" + scope + "\n" + sha256Hex([]byte(canonical))
	}
	return signAlgorithm + "\n" + date + "\n" + sha256Hex([]byte(canonical))
}

// canonicalRequest rebuilds the canonical request of section 5 from a
// received request: what the client must have signed.
func canonicalRequest(r *http.Request, body []byte, signedHeaders []string) (string, error) {
	uri, err := canonicalURI(r.URL.EscapedPath())
	if err != nil {
		return "", err
	}
	query, err := canonicalQuery(r.URL.RawQuery)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(r.Method + "\n" + uri + "\n" + query + "\n")
	for _, h := range signedHeaders {
		var values []string
		switch {
		case h == "host":
			values = []string{r.Host}
		case h == "content-length" && len(r.Header.Values(h)) == 0:
			values = []string{strconv.FormatInt(r.ContentLength, 10)}
		default:
			values = append(values, r.Header.Values(h)...)
			sort.Strings(values)
		}
		for _, v := range values {
			b.WriteString(h + ":" + strings.TrimSpace(v) + "\n")
		}
	}
	b.WriteString("\n" + strings.Join(signedHeaders, ";") + "\n" + sha256Hex(body))
	return b.String(), nil
}

// canonicalURI re-encodes each segment of the path as sent and appends the
// trailing slash the signer always signs.
func canonicalURI(escaped string) (string, error) {
	segs := strings.Split(escaped, "/")
	for i, s := range segs {
		u, err := url.PathUnescape(s)
		if err != nil {
			return "", authError("malformed path encoding")
		}
		segs[i] = signEscape(u)
	}
	uri := strings.Join(segs, "/")
	if !strings.HasSuffix(uri, "/") {
		uri += "/"
	}
	return uri, nil
}

// canonicalQuery decodes the raw query as sent and re-encodes it sorted by key,
// then value.
func canonicalQuery(raw string) (string, error) {
	type kv struct{ k, v string }
	var pairs []kv
	for _, p := range strings.Split(raw, "&") {
		if p == "" {
			continue
		}
		k, v, _ := strings.Cut(p, "=")
		dk, err1 := url.QueryUnescape(k)
		dv, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return "", authError("malformed query encoding")
		}
		pairs = append(pairs, kv{dk, dv})
	}
	// Sorted on the decoded keys and values, then escaped, as the Huawei Cloud
	// SDK signers do: escaping first would put "%CE" before "0".
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	parts := make([]string, len(pairs))
	for i, p := range pairs {
		parts[i] = signEscape(p.k) + "=" + signEscape(p.v)
	}
	return strings.Join(parts, "&"), nil
}

// signEscape keeps A-Z a-z 0-9 - _ . ~ and percent-encodes every other byte
// with upper-case hex (a space is %20, never +).
func signEscape(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// issuedToken is a token issued by the IAM endpoint.
type issuedToken struct {
	expires      time.Time
	expired      bool // forced by ExpireTokens
	domainScoped bool // scoped to the domain (for IAM calls), not to the project
}

// checkToken accepts Config.Token and unexpired tokens of the IAM endpoint,
// and tells whether the token is scoped to the domain only.
func (e *Emulator) checkToken(tok string) (bool, error) {
	if hmac.Equal([]byte(tok), []byte(e.cfg.Token)) {
		return false, nil
	}
	e.mu.Lock()
	t, ok := e.tokens[tok]
	e.mu.Unlock()
	switch {
	case !ok:
		return false, authError("token invalid")
	case t.expired || !e.now().Before(t.expires):
		return false, authError("token expired")
	}
	return t.domainScoped, nil
}

// ExpireTokens makes every token issued by the IAM endpoint so far answer 401
// "token expired", as if their lifetime had ended. Config.Token is unaffected.
func (e *Emulator) ExpireTokens() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for k, t := range e.tokens {
		t.expired = true
		e.tokens[k] = t
	}
}

func formatIAMTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}
