package provider

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tf-modelarts/terraform-provider-modelarts/internal/client"
)

// Environment variables each provider argument falls back to, in order of
// precedence. HW_* match the Huawei Cloud SDKs and provider, OS_* the
// OpenStack-style names that Open Telekom Cloud tooling uses.
var (
	envRegion        = []string{"HW_REGION_NAME", "OS_REGION_NAME"}
	envProjectID     = []string{"HW_PROJECT_ID", "OS_PROJECT_ID"}
	envAccessKey     = []string{"HW_ACCESS_KEY", "OS_ACCESS_KEY"}
	envSecretKey     = []string{"HW_SECRET_KEY", "OS_SECRET_KEY"}
	envSecurityToken = []string{"HW_SECURITY_TOKEN", "OS_SECURITY_TOKEN"}
	envToken         = []string{"HW_AUTH_TOKEN", "OS_AUTH_TOKEN"}
	envUserName      = []string{"HW_USER_NAME", "OS_USERNAME"}
	envPassword      = []string{"HW_USER_PASSWORD", "OS_PASSWORD"}
	envDomainName    = []string{"HW_DOMAIN_NAME", "OS_DOMAIN_NAME"}
	envCloud         = []string{"HW_CLOUD"}
	envAuthURL       = []string{"HW_AUTH_URL", "OS_AUTH_URL"}
	envInsecure      = []string{"HW_INSECURE", "OS_INSECURE"}
	envCAFile        = []string{"HW_CACERT", "OS_CACERT"}
	envMaxRetries    = []string{"HW_MAX_RETRIES"}
	// envEndpoint has no counterpart in other Huawei Cloud tools; it exists so
	// a pipeline can point the provider at a private endpoint (or the
	// emulator) without editing the provider block.
	envEndpoint = []string{"HW_MODELARTS_ENDPOINT"}
)

// AllEnvVars lists every environment variable the provider reads, so tests
// can clear them and documentation can list them.
var AllEnvVars = func() []string {
	var all []string
	for _, group := range [][]string{envRegion, envProjectID, envAccessKey, envSecretKey, envSecurityToken,
		envToken, envUserName, envPassword, envDomainName, envCloud, envAuthURL, envInsecure, envCAFile, envMaxRetries,
		envEndpoint} {
		all = append(all, group...)
	}
	return all
}()

const (
	defaultCloud      = "otc.t-systems.com"
	defaultMaxRetries = 5
	maxRetriesLimit   = 50
	endpointModelArts = "modelarts"
)

// authMethod is the single authentication method a configuration resolves to.
type authMethod int

const (
	authNone authMethod = iota
	authAKSK
	authTemporaryAKSK
	authPassword
	authToken
)

func (m authMethod) String() string {
	switch m {
	case authAKSK:
		return "aksk"
	case authTemporaryAKSK:
		return "temporary-aksk"
	case authPassword:
		return "password"
	case authToken:
		return "token"
	default:
		return "none"
	}
}

// resolvedConfig is the provider configuration after environment variables and
// defaults were applied and every rule was checked.
type resolvedConfig struct {
	Region        string
	ProjectID     string
	AccessKey     string
	SecretKey     string
	SecurityToken string
	Token         string
	UserName      string
	Password      string
	DomainName    string
	Cloud         string
	AuthURL       string
	Endpoint      string
	Insecure      bool
	CAFile        string
	MaxRetries    int
	AuthMethod    authMethod
}

// setting is one resolved string argument and where it came from, so errors
// can tell the user which configuration or variable to change.
type setting struct {
	name   string
	value  string
	source string
}

func (s setting) set() bool { return s.value != "" }

func (s setting) describe() string {
	return fmt.Sprintf("%s (from %s)", s.name, s.source)
}

type resolver struct {
	getenv func(string) string
	diags  diag.Diagnostics
}

// str resolves a string argument: configuration, then the first non-empty
// environment variable. An empty string in the configuration counts as unset
// so that `access_key = var.ak` with an empty default falls through to the
// environment, as the Huawei Cloud provider does.
func (r *resolver) str(name string, v types.String, env []string) setting {
	if v.IsUnknown() {
		r.unknown(name, env)
		return setting{name: name}
	}
	if s := v.ValueString(); s != "" {
		return setting{name: name, value: s, source: "configuration"}
	}
	for _, e := range env {
		if s := r.getenv(e); s != "" {
			return setting{name: name, value: s, source: e}
		}
	}
	return setting{name: name}
}

func (r *resolver) unknown(name string, env []string) {
	detail := fmt.Sprintf("The provider cannot create the ModelArts API client because %s depends on a value "+
		"that is only known after apply. Set it statically, apply the resource it comes from first "+
		"(terraform apply -target=...)", name)
	if len(env) > 0 {
		detail += ", or set the " + strings.Join(env, " or ") + " environment variable"
	}
	r.diags.AddAttributeError(path.Root(name), "Unknown "+attrTitle(name)+" Value", detail+".")
}

// resolveConfig applies environment fallbacks and defaults to the provider
// block and validates the result. It sends nothing over the network.
func resolveConfig(m providerModel, getenv func(string) string) (resolvedConfig, diag.Diagnostics) {
	r := &resolver{getenv: getenv}
	region := r.str("region", m.Region, envRegion)
	project := r.str("project_id", m.ProjectID, envProjectID)
	ak := r.str("access_key", m.AccessKey, envAccessKey)
	sk := r.str("secret_key", m.SecretKey, envSecretKey)
	st := r.str("security_token", m.SecurityToken, envSecurityToken)
	token := r.str("token", m.Token, envToken)
	user := r.str("user_name", m.UserName, envUserName)
	password := r.str("password", m.Password, envPassword)
	domain := r.str("domain_name", m.DomainName, envDomainName)
	cloud := r.str("cloud", m.Cloud, envCloud)
	authURL := r.str("auth_url", m.AuthURL, envAuthURL)
	caFile := r.str("ca_file", m.CAFile, envCAFile)

	cfg := resolvedConfig{
		Region: region.value, ProjectID: project.value,
		AccessKey: ak.value, SecretKey: sk.value, SecurityToken: st.value,
		Token:    token.value,
		UserName: user.value, Password: password.value, DomainName: domain.value,
		Cloud: cloud.value, CAFile: caFile.value,
		MaxRetries: defaultMaxRetries,
	}
	if cfg.Cloud == "" {
		cfg.Cloud = defaultCloud
	}

	r.resolveInsecure(m.Insecure, &cfg)
	r.resolveMaxRetries(m.MaxRetries, &cfg)
	endpoint := r.resolveEndpoints(m.Endpoints)
	if r.diags.HasError() {
		return cfg, r.diags
	}

	cfg.AuthMethod = r.resolveAuth(ak, sk, st, token, user, password, domain)

	if !project.set() {
		r.diags.AddAttributeError(path.Root("project_id"), "Missing Project ID",
			"ModelArts API paths contain the project ID, so every authentication method needs it. Set project_id "+
				"in the provider block or the "+strings.Join(envProjectID, " or ")+" environment variable to the ID "+
				"of the project that owns the visualization jobs (IAM console, My Credentials, Projects).")
	}

	switch {
	case endpoint != "":
		cfg.Endpoint = endpoint
	case region.set():
		cfg.Endpoint = fmt.Sprintf("https://modelarts.%s.%s", cfg.Region, cfg.Cloud)
	default:
		r.diags.AddAttributeError(path.Root("region"), "Missing Region",
			"The ModelArts endpoint is built from the region. Set region in the provider block or the "+
				strings.Join(envRegion, " or ")+" environment variable (for example eu-de), or set "+
				"endpoints = { modelarts = \"https://...\" } to name the endpoint directly.")
	}
	if cfg.Endpoint != "" {
		if err := checkURL(cfg.Endpoint); err != nil {
			r.diags.AddAttributeError(path.Root("endpoints").AtMapKey(endpointModelArts), "Invalid Endpoint",
				fmt.Sprintf("The ModelArts endpoint %q is not usable: %s. Give an absolute URL such as "+
					"https://modelarts.eu-de.otc.t-systems.com.", cfg.Endpoint, err))
		}
	}

	if cfg.AuthMethod == authPassword {
		switch {
		case authURL.set():
			cfg.AuthURL = authURL.value
		case region.set():
			cfg.AuthURL = fmt.Sprintf("https://iam.%s.%s/v3", cfg.Region, cfg.Cloud)
		default:
			r.diags.AddAttributeError(path.Root("auth_url"), "Missing IAM Endpoint",
				"Password authentication asks IAM for a token, and the IAM endpoint is built from the region. "+
					"Set region ("+strings.Join(envRegion, " or ")+") or auth_url ("+strings.Join(envAuthURL, " or ")+
					"), for example https://iam.eu-de.otc.t-systems.com/v3.")
		}
		if cfg.AuthURL != "" {
			if err := checkURL(cfg.AuthURL); err != nil {
				r.diags.AddAttributeError(path.Root("auth_url"), "Invalid IAM Endpoint",
					fmt.Sprintf("auth_url %q (from %s) is not usable: %s. Give an absolute URL such as "+
						"https://iam.eu-de.otc.t-systems.com/v3.", cfg.AuthURL, authURL.source, err))
			}
		}
	}

	if cfg.CAFile != "" {
		if _, err := os.Stat(cfg.CAFile); err != nil {
			r.diags.AddAttributeError(path.Root("ca_file"), "Unreadable CA File",
				fmt.Sprintf("ca_file %q (from %s) cannot be read: %s. Point it at a PEM file of certificate "+
					"authorities.", cfg.CAFile, caFile.source, err))
		}
	}
	return cfg, r.diags
}

func (r *resolver) resolveInsecure(v types.Bool, cfg *resolvedConfig) {
	if v.IsUnknown() {
		r.unknown("insecure", envInsecure)
		return
	}
	if !v.IsNull() {
		cfg.Insecure = v.ValueBool()
		return
	}
	for _, e := range envInsecure {
		s := r.getenv(e)
		if s == "" {
			continue
		}
		b, err := strconv.ParseBool(s)
		if err != nil {
			r.diags.AddAttributeError(path.Root("insecure"), "Invalid Environment Variable",
				fmt.Sprintf("%s=%q is not a boolean. Use true or false.", e, s))
			return
		}
		cfg.Insecure = b
		return
	}
}

func (r *resolver) resolveMaxRetries(v types.Int64, cfg *resolvedConfig) {
	if v.IsUnknown() {
		r.unknown("max_retries", envMaxRetries)
		return
	}
	if !v.IsNull() {
		cfg.MaxRetries = int(v.ValueInt64())
		return
	}
	for _, e := range envMaxRetries {
		s := r.getenv(e)
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > maxRetriesLimit {
			r.diags.AddAttributeError(path.Root("max_retries"), "Invalid Environment Variable",
				fmt.Sprintf("%s=%q is not a whole number between 0 and %d.", e, s, maxRetriesLimit))
			return
		}
		cfg.MaxRetries = n
		return
	}
}

func (r *resolver) resolveEndpoints(v types.Map) string {
	if v.IsUnknown() {
		r.unknown("endpoints", nil)
		return ""
	}
	if v.IsNull() {
		for _, e := range envEndpoint {
			if s := r.getenv(e); s != "" {
				return strings.TrimRight(s, "/")
			}
		}
		return ""
	}
	elements := v.Elements() // a copy: take it once
	keys := make([]string, 0, len(elements))
	for k := range elements {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var endpoint string
	for _, k := range keys {
		el, ok := elements[k].(types.String)
		if !ok {
			continue
		}
		if k != endpointModelArts {
			r.diags.AddAttributeError(path.Root("endpoints").AtMapKey(k), "Unsupported Endpoint Key",
				fmt.Sprintf("endpoints has the key %q, but this provider only talks to ModelArts. The only "+
					"supported key is %q; IAM is set with auth_url.", k, endpointModelArts))
			continue
		}
		if el.IsUnknown() {
			r.unknown("endpoints", nil)
			continue
		}
		endpoint = strings.TrimRight(el.ValueString(), "/")
	}
	return endpoint
}

// resolveAuth decides the single authentication method and reports a missing
// or conflicting choice, naming where each conflicting value came from.
func (r *resolver) resolveAuth(ak, sk, st, token, user, password, domain setting) authMethod {
	type method struct {
		kind     authMethod
		settings []setting
	}
	var methods []method
	if aksk := setSettings(ak, sk, st); len(aksk) > 0 {
		methods = append(methods, method{authAKSK, aksk})
	}
	if pw := setSettings(user, password, domain); len(pw) > 0 {
		methods = append(methods, method{authPassword, pw})
	}
	if token.set() {
		methods = append(methods, method{authToken, []setting{token}})
	}

	switch len(methods) {
	case 0:
		r.diags.AddAttributeError(path.Root("access_key"), "Missing ModelArts Credentials",
			"No authentication method is configured. Set exactly one of:\n"+
				"  - access_key and secret_key ("+envList(envAccessKey, envSecretKey)+"), plus security_token ("+
				strings.Join(envSecurityToken, " or ")+") for temporary keys;\n"+
				"  - user_name, password and domain_name ("+envList(envUserName, envPassword, envDomainName)+");\n"+
				"  - token ("+strings.Join(envToken, " or ")+").")
		return authNone
	case 1:
	default:
		var parts []string
		for _, m := range methods {
			for _, s := range m.settings {
				parts = append(parts, s.describe())
			}
		}
		r.diags.AddAttributeError(path.Root(methods[1].settings[0].name), "Conflicting ModelArts Credentials",
			"More than one authentication method is configured: "+strings.Join(parts, ", ")+". "+
				"Keep exactly one of AK/SK (access_key, secret_key, security_token), password (user_name, password, "+
				"domain_name) or token, and unset the others in the provider block and the environment.")
		return authNone
	}

	switch methods[0].kind {
	case authAKSK:
		if !ak.set() {
			r.missing("access_key", envAccessKey, "AK/SK authentication needs the access key ID as well as the secret key")
		}
		if !sk.set() {
			r.missing("secret_key", envSecretKey, "AK/SK authentication needs the secret key as well as the access key ID")
		}
		if st.set() {
			return authTemporaryAKSK
		}
		return authAKSK
	case authPassword:
		if !user.set() {
			r.missing("user_name", envUserName, "Password authentication needs the IAM user name")
		}
		if !password.set() {
			r.missing("password", envPassword, "Password authentication needs the IAM user's password")
		}
		if !domain.set() {
			r.missing("domain_name", envDomainName, "Password authentication needs the account (domain) name the user belongs to")
		}
	}
	return methods[0].kind
}

func (r *resolver) missing(name string, env []string, why string) {
	r.diags.AddAttributeError(path.Root(name), "Missing "+attrTitle(name),
		fmt.Sprintf("%s. Set %s in the provider block or the %s environment variable.", why, name, strings.Join(env, " or ")))
}

func setSettings(all ...setting) []setting {
	var out []setting
	for _, s := range all {
		if s.set() {
			out = append(out, s)
		}
	}
	return out
}

func envList(groups ...[]string) string {
	names := make([]string, 0, len(groups))
	for _, g := range groups {
		names = append(names, g[0])
	}
	return strings.Join(names, ", ")
}

// envDoc is the sentence every attribute description uses to name its
// environment variables.
func envDoc(env []string) string {
	quoted := make([]string, len(env))
	for i, e := range env {
		quoted[i] = "`" + e + "`"
	}
	if len(quoted) == 1 {
		return "Falls back to the " + quoted[0] + " environment variable."
	}
	return "Falls back to the " + strings.Join(quoted, " or ") + " environment variable (first set wins)."
}

func attrTitle(name string) string {
	words := strings.Split(name, "_")
	for i, w := range words {
		switch w {
		case "id":
			words[i] = "ID"
		case "url":
			words[i] = "URL"
		case "ca":
			words[i] = "CA"
		default:
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}

func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("the scheme must be https (or http), not %q", u.Scheme)
	}
	if u.Host == "" {
		return fmt.Errorf("the URL has no host")
	}
	return nil
}

// newAPIClient builds the one client shared by every data source and resource.
func newAPIClient(cfg resolvedConfig, version, terraformVersion string) (*client.Client, error) {
	base, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return nil, fmt.Errorf("http.DefaultTransport is not an *http.Transport")
	}
	transport := base.Clone() // keeps ProxyFromEnvironment: HTTPS_PROXY, HTTP_PROXY, NO_PROXY
	transport.MaxIdleConnsPerHost = 32
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.Insecure {
		tlsConfig.InsecureSkipVerify = true //nolint:gosec // the user asked for it, and Configure warns.
	}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("reading ca_file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ca_file %q holds no PEM certificate", cfg.CAFile)
		}
		tlsConfig.RootCAs = pool
	}
	transport.TLSClientConfig = tlsConfig

	opts := []client.Option{
		client.WithBaseURL(cfg.Endpoint),
		client.WithProjectID(cfg.ProjectID),
		client.WithHTTPClient(&http.Client{Transport: transport}),
		client.WithUserAgent(userAgent(version, terraformVersion)),
		client.WithMaxRetries(cfg.MaxRetries),
		client.WithLogger(tflogLogger),
	}
	switch cfg.AuthMethod {
	case authAKSK:
		opts = append(opts, client.WithAccessKey(cfg.AccessKey, cfg.SecretKey, ""))
	case authTemporaryAKSK:
		opts = append(opts, client.WithAccessKey(cfg.AccessKey, cfg.SecretKey, cfg.SecurityToken))
	case authPassword:
		opts = append(opts, client.WithIAMURL(cfg.AuthURL), client.WithPassword(cfg.UserName, cfg.Password, cfg.DomainName))
	case authToken:
		opts = append(opts, client.WithToken(cfg.Token))
	}
	return client.New(opts...)
}

func userAgent(version, terraformVersion string) string {
	ua := "terraform-provider-modelarts/" + version
	if terraformVersion != "" {
		ua += " Terraform/" + terraformVersion
	}
	if extra := strings.TrimSpace(os.Getenv("TF_APPEND_USER_AGENT")); extra != "" {
		ua += " " + extra
	}
	return ua
}
