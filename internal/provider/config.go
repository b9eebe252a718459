package provider

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tf-modelarts/terraform-provider-modelarts/internal/client"
)

// Environment variables each provider argument falls back to, in order of
// precedence. HW_* match the Huawei Cloud SDKs and provider, OS_* the
// OpenStack-style names that Open Telekom Cloud tooling (openrc files) uses.
var (
	envRegion        = []string{"HW_REGION_NAME", "OS_REGION_NAME"}
	envProjectID     = []string{"HW_PROJECT_ID", "OS_PROJECT_ID"}
	envProjectName   = []string{"HW_PROJECT_NAME", "OS_PROJECT_NAME"}
	envAccessKey     = []string{"HW_ACCESS_KEY", "OS_ACCESS_KEY"}
	envSecretKey     = []string{"HW_SECRET_KEY", "OS_SECRET_KEY"}
	envSecurityToken = []string{"HW_SECURITY_TOKEN", "OS_SECURITY_TOKEN"}
	envToken         = []string{"HW_AUTH_TOKEN", "OS_AUTH_TOKEN"}
	envUserName      = []string{"HW_USER_NAME", "OS_USERNAME"}
	envPassword      = []string{"HW_USER_PASSWORD", "OS_PASSWORD"}
	// openrc files export OS_USER_DOMAIN_NAME (and OS_PROJECT_DOMAIN_NAME).
	envDomainName       = []string{"HW_DOMAIN_NAME", "OS_DOMAIN_NAME", "OS_USER_DOMAIN_NAME", "OS_PROJECT_DOMAIN_NAME"}
	envCloud            = []string{"HW_CLOUD"}
	envAuthURL          = []string{"HW_AUTH_URL", "OS_AUTH_URL"}
	envInsecure         = []string{"HW_INSECURE", "OS_INSECURE"}
	envCAFile           = []string{"HW_CACERT", "OS_CACERT"}
	envMaxRetries       = []string{"HW_MAX_RETRIES"}
	envRequestTimeout   = []string{"HW_REQUEST_TIMEOUT"}
	envSharedConfigFile = []string{"HW_SHARED_CONFIG_FILE"}
	envProfile          = []string{"HW_PROFILE"}
	envMetadataEndpoint = []string{"HW_METADATA_ENDPOINT"}
	envAgencyName       = []string{"HW_ASSUME_ROLE_AGENCY_NAME"}
	envAgencyDomain     = []string{"HW_ASSUME_ROLE_DOMAIN_NAME"}
	envAgencyDuration   = []string{"HW_ASSUME_ROLE_DURATION"}
	// envEndpoint has no counterpart in other Huawei Cloud tools; it exists so
	// a pipeline can point the provider at a private endpoint (or the
	// emulator) without editing the provider block.
	envEndpoint = []string{"HW_MODELARTS_ENDPOINT"}
)

// AllEnvVars lists every environment variable the provider reads, so tests
// can clear them and documentation can list them.
var AllEnvVars = func() []string {
	var all []string
	for _, group := range [][]string{envRegion, envProjectID, envProjectName, envAccessKey, envSecretKey,
		envSecurityToken, envToken, envUserName, envPassword, envDomainName, envCloud, envAuthURL, envInsecure,
		envCAFile, envMaxRetries, envRequestTimeout, envSharedConfigFile, envProfile, envMetadataEndpoint, envAgencyName,
		envAgencyDomain, envAgencyDuration, envEndpoint} {
		all = append(all, group...)
	}
	return all
}()

const (
	defaultMaxRetries = 5
	maxRetriesLimit   = 50
	endpointModelArts = "modelarts"
	maxCAFileBytes    = 1 << 20
)

var (
	regionRE    = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	projectIDRE = regexp.MustCompile(`^[0-9a-fA-F]{32}$`)
	domainRE    = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
)

// Cloud domain suffixes, and the regions whose cloud is not Huawei Cloud's
// main one.
const (
	cloudOTC      = "otc.t-systems.com"
	cloudHuawei   = "myhuaweicloud.com"
	cloudHuaweiEU = "myhuaweicloud.eu"
)

var knownClouds = []string{cloudOTC, cloudHuawei, cloudHuaweiEU}

// cloudOf is the cloud a region belongs to: Open Telekom Cloud's regions,
// Huawei Cloud Europe's, else Huawei Cloud.
func cloudOf(region string) string {
	switch region {
	case "eu-de", "eu-nl", "eu-ch2":
		return cloudOTC
	case "eu-west-101":
		return cloudHuaweiEU
	}
	return cloudHuawei
}

// authMethod is the single authentication method a configuration resolves to.
type authMethod int

const (
	authNone authMethod = iota
	authAKSK
	authTemporaryAKSK
	authPassword
	authToken
	authMetadata
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
	case authMetadata:
		return "instance-metadata"
	default:
		return "none"
	}
}

// resolvedConfig is the provider configuration after environment variables,
// the shared config file and defaults were applied and every rule was checked.
type resolvedConfig struct {
	Region        string
	ProjectID     string
	ProjectName   string
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
	// RequestTimeout bounds each attempt's wait for the response headers,
	// and again its reading of the body.
	RequestTimeout time.Duration
	AuthMethod     authMethod
	// Source says where the credentials came from: "provider block",
	// "environment", `profile "x" of FILE` or "instance metadata".
	Source string
	// MetadataEndpoint is the metadata service, for authMetadata.
	MetadataEndpoint string
	// SharedConfigFile is the file looked at (for the message listing every
	// source), and SharedConfigNote what was found there.
	SharedConfigFile, SharedConfigNote string
	// Agency settings of assume_role; AgencyName "" when there is none.
	AgencyName, AgencyDomain string
	AgencyDuration           int64
	// AuthURLDerived and EndpointDerived: built from the region and cloud;
	// CloudExplicit: cloud was set, not derived from the region.
	AuthURLDerived, EndpointDerived, CloudExplicit bool
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
	if s := r.block(name, v, env); s.set() {
		return s
	}
	return r.env(name, env)
}

// block is the configuration's value alone.
func (r *resolver) block(name string, v types.String, env []string) setting {
	if v.IsUnknown() {
		r.unknown(name, env)
		return setting{name: name}
	}
	if s := v.ValueString(); s != "" {
		return setting{name: name, value: s, source: "configuration"}
	}
	return setting{name: name}
}

// env is the first non-empty environment variable of env.
func (r *resolver) env(name string, env []string) setting {
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

// credSet is the values of every authentication method from one source.
type credSet struct {
	ak, sk, st, token, user, password, domain setting
}

func (c credSet) any() bool {
	return len(setSettings(c.ak, c.sk, c.st, c.token, c.user, c.password, c.domain)) > 0
}

// resolveConfig applies environment fallbacks, the shared config file and
// defaults to the provider block and validates the result. It reads the
// shared config file but sends nothing over the network: the instance
// metadata (authMetadata) and the project lookup (ProjectID "") are left to
// Configure.
func resolveConfig(m providerModel, getenv func(string) string) (resolvedConfig, diag.Diagnostics) {
	r := &resolver{getenv: getenv}
	region := r.str("region", m.Region, envRegion)
	project := r.str("project_id", m.ProjectID, envProjectID)
	projectName := r.str("project_name", m.ProjectName, envProjectName)
	cloud := r.str("cloud", m.Cloud, envCloud)
	authURL := r.str("auth_url", m.AuthURL, envAuthURL)
	caFile := r.str("ca_file", m.CAFile, envCAFile)

	// Credentials: the provider block, else the environment, else the
	// shared config file, else the instance metadata. Values of one method
	// are never combined across sources.
	block := credSet{
		ak: r.block("access_key", m.AccessKey, envAccessKey), sk: r.block("secret_key", m.SecretKey, envSecretKey),
		st:    r.block("security_token", m.SecurityToken, envSecurityToken),
		token: r.block("token", m.Token, envToken),
		user:  r.block("user_name", m.UserName, envUserName), password: r.block("password", m.Password, envPassword),
		domain: r.block("domain_name", m.DomainName, envDomainName),
	}
	env := credSet{
		ak: r.env("access_key", envAccessKey), sk: r.env("secret_key", envSecretKey),
		st: r.env("security_token", envSecurityToken), token: r.env("token", envToken),
		user: r.env("user_name", envUserName), password: r.env("password", envPassword),
		domain: r.env("domain_name", envDomainName),
	}

	cfg := resolvedConfig{
		Region: region.value, ProjectID: project.value, ProjectName: projectName.value,
		Cloud: cloud.value, CAFile: caFile.value, MaxRetries: defaultMaxRetries,
		RequestTimeout: client.DefaultResponseHeaderTimeout,
	}
	r.resolveInsecure(m.Insecure, &cfg)
	r.resolveMaxRetries(m.MaxRetries, &cfg)
	r.resolveRequestTimeout(m.RequestTimeout, &cfg)
	endpoint := r.resolveEndpoints(m.Endpoints)
	r.resolveAssumeRole(m.AssumeRole, &cfg)
	sharedFile := r.str("shared_config_file", m.SharedConfigFile, envSharedConfigFile)
	profile := r.str("profile", m.Profile, envProfile)
	if r.diags.HasError() {
		return cfg, r.diags
	}

	var creds credSet
	switch {
	case block.any():
		cfg.Source, creds = "provider block", block
	case env.any():
		cfg.Source, creds = "environment", env
	default:
		p, ok := r.readProfile(sharedFile, profile, &cfg)
		switch {
		case !ok:
			return cfg, r.diags
		case p != nil && p.Mode == profileModeAgency:
			// The CLI's "ecsAgency" mode: the server's metadata, as below.
		case p != nil:
			cfg.Source = fmt.Sprintf("profile %q of %s", p.Name, cfg.SharedConfigFile)
			src := fmt.Sprintf("profile %q", p.Name)
			creds = credSet{
				ak: setting{"access_key", p.AccessKeyID, src}, sk: setting{"secret_key", p.SecretAccessKey, src},
				st: setting{"security_token", p.SecurityToken, src},
			}
			if !region.set() && p.Region != "" {
				region = setting{"region", p.Region, src}
				cfg.Region = p.Region
			}
			if !project.set() && p.ProjectID != "" {
				project = setting{"project_id", p.ProjectID, src}
				cfg.ProjectID = p.ProjectID
			}
		}
	}
	if creds.any() {
		cfg.AuthMethod = r.resolveAuth(creds, cfg.Source)
		cfg.AccessKey, cfg.SecretKey, cfg.SecurityToken = creds.ak.value, creds.sk.value, creds.st.value
		cfg.Token = creds.token.value
		cfg.UserName, cfg.Password, cfg.DomainName = creds.user.value, creds.password.value, creds.domain.value
	} else {
		cfg.AuthMethod, cfg.Source = authMetadata, "instance metadata"
		cfg.MetadataEndpoint = client.DefaultMetadataEndpoint
		if s := r.env("metadata", envMetadataEndpoint); s.set() {
			cfg.MetadataEndpoint = strings.TrimRight(s.value, "/")
		}
		r.checkEndpointURL(path.Empty(), "Invalid Metadata Endpoint", "HW_METADATA_ENDPOINT", cfg.MetadataEndpoint,
			"http://169.254.169.254", false)
	}
	if cfg.AgencyName != "" && cfg.AgencyDomain == "" {
		cfg.AgencyDomain = cfg.DomainName
		if cfg.AgencyDomain == "" {
			r.diags.AddAttributeError(path.Root("assume_role").AtName("domain_name"), "Missing Agency Domain Name",
				"assume_role needs the name of the account (domain) that owns the agency. Set domain_name in the "+
					"assume_role block or the "+envAgencyDomain[0]+" environment variable.")
		}
	}

	if project.set() && !projectIDRE.MatchString(project.value) {
		r.diags.AddAttributeError(path.Root("project_id"), "Invalid Project ID",
			fmt.Sprintf("project_id (from %s) must be the 32 hexadecimal characters IAM shows for the project (IAM "+
				"console, My Credentials, Projects), such as 0123456789abcdef0123456789abcdef. Leave it unset to "+
				"look the project up by the region's name.", project.source))
	}
	cfg.Endpoint = endpoint
	cfg.AuthURL = authURL.value
	if cfg.AuthURL != "" {
		r.checkEndpointURL(path.Root("auth_url"), "Invalid IAM Endpoint", "auth_url (from "+authURL.source+")",
			cfg.AuthURL, "https://iam.eu-de.otc.t-systems.com/v3", true)
	}
	if cfg.Endpoint != "" {
		r.checkEndpointURL(path.Root("endpoints").AtMapKey(endpointModelArts), "Invalid Endpoint", "The ModelArts endpoint",
			cfg.Endpoint, "https://modelarts.eu-de.otc.t-systems.com", true)
	}
	cfg.CloudExplicit = cloud.set()
	if cloud.set() && !domainRE.MatchString(cloud.value) {
		r.diags.AddAttributeError(path.Root("cloud"), "Invalid Cloud",
			fmt.Sprintf("cloud (from %s) must be a domain suffix such as %s: %q is not a domain name.",
				cloud.source, strings.Join(knownClouds, ", "), cloud.value))
	}
	// With the instance metadata, the region may come from the server.
	if cfg.AuthMethod != authMetadata || region.set() {
		r.diags.Append(cfg.deriveEndpoints(region.source)...)
	}

	if cfg.CAFile != "" {
		switch fi, err := os.Stat(cfg.CAFile); {
		case err != nil:
			r.diags.AddAttributeError(path.Root("ca_file"), "Unreadable CA File",
				fmt.Sprintf("ca_file %q (from %s) cannot be read: %s. Point it at a PEM file of certificate "+
					"authorities.", cfg.CAFile, caFile.source, err))
		case !fi.Mode().IsRegular() || fi.Size() >= maxCAFileBytes:
			r.diags.AddAttributeError(path.Root("ca_file"), "Invalid CA File",
				fmt.Sprintf("ca_file %q (from %s) must be a regular file of less than 1 MiB holding PEM "+
					"certificates; it is a directory, a device or too large.", cfg.CAFile, caFile.source))
		}
	}
	return cfg, r.diags
}

// deriveEndpoints validates the region, derives the cloud and the default
// endpoints from it, and warns about credentials sent in clear text.
// regionSource names where the region came from.
func (cfg *resolvedConfig) deriveEndpoints(regionSource string) diag.Diagnostics {
	var diags diag.Diagnostics
	if cfg.Region != "" && !regionRE.MatchString(cfg.Region) {
		diags.AddAttributeError(path.Root("region"), "Invalid Region",
			fmt.Sprintf("region (from %s) must be lower-case letters and digits in groups joined by single hyphens, "+
				"such as eu-de or ap-southeast-1. It becomes part of the endpoints' host names.", regionSource))
		return diags
	}
	if cfg.Cloud == "" && cfg.Region != "" {
		cfg.Cloud = cloudOf(cfg.Region)
	}
	if cfg.Endpoint == "" {
		if cfg.Region == "" {
			diags.AddAttributeError(path.Root("region"), "Missing Region",
				"The ModelArts endpoint is built from the region. Set region in the provider block or the "+
					strings.Join(envRegion, " or ")+" environment variable (for example eu-de), or set "+
					"endpoints = { modelarts = \"https://...\" } to name the endpoint directly.")
		} else {
			cfg.Endpoint = fmt.Sprintf("https://modelarts.%s.%s", cfg.Region, cfg.Cloud)
			cfg.EndpointDerived = true
		}
	}
	// IAM is needed for passwords, agencies and the project lookup.
	needIAM := cfg.AuthMethod == authPassword || cfg.AgencyName != "" || cfg.ProjectID == ""
	if cfg.AuthURL == "" && cfg.Region != "" {
		cfg.AuthURL = fmt.Sprintf("https://iam.%s.%s/v3", cfg.Region, cfg.Cloud)
		cfg.AuthURLDerived = true
	}
	if cfg.AuthURL == "" && needIAM && !diags.HasError() {
		why := "Password authentication asks IAM for a token"
		switch {
		case cfg.AuthMethod == authPassword:
		case cfg.AgencyName != "":
			why = "assume_role asks IAM for the agency's credentials"
		default:
			why = "Without project_id, the provider asks IAM for the project named after the region"
		}
		diags.AddAttributeError(path.Root("auth_url"), "Missing IAM Endpoint",
			why+", and the IAM endpoint is built from the region. "+
				"Set region ("+strings.Join(envRegion, " or ")+") or auth_url ("+strings.Join(envAuthURL, " or ")+
				"), for example https://iam.eu-de.otc.t-systems.com/v3.")
	}
	for _, u := range []struct{ what, url string }{{"endpoints.modelarts", cfg.Endpoint}, {"auth_url", cfg.AuthURL}} {
		if w := clearTextWarning(u.what, u.url); w != "" && (u.what != "auth_url" || needIAM || cfg.AuthMethod == authPassword) {
			diags.AddAttributeWarning(path.Root(strings.Split(u.what, ".")[0]), "Credentials Sent in Clear Text", w)
		}
	}
	return diags
}

// clearTextWarning warns about an http:// URL whose host is not loopback.
func clearTextWarning(what, raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" {
		return ""
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
		return ""
	}
	return fmt.Sprintf("%s is an http:// URL to %s: requests, their signatures or tokens (and, for IAM, the "+
		"password) travel unencrypted, readable and changeable by anyone on the network path. Use https://.", what, host)
}

// checkEndpointURL reports a URL that is not absolute http(s), or that carries
// user information or a query: such a URL is never repeated in the message,
// as it may hold a secret.
func (r *resolver) checkEndpointURL(p path.Path, summary, what, raw, example string, echo bool) {
	u, err := url.Parse(raw)
	var reason string
	switch {
	case err != nil:
		reason, echo = "it is not a valid URL", false
	case u.User != nil:
		reason, echo = "it carries user information (user:password@); credentials belong in their own arguments", false
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		reason, echo = "it has a query or fragment, which the provider would send to the host with every request", false
	case u.Scheme != "http" && u.Scheme != "https":
		reason = fmt.Sprintf("the scheme must be https (or http), not %q", u.Scheme)
	case u.Host == "":
		reason = "the URL has no host"
	default:
		return
	}
	subject := what
	if echo {
		subject = fmt.Sprintf("%s %q", what, raw)
	}
	detail := fmt.Sprintf("%s is not usable: %s. Give an absolute URL such as %s.", subject, reason, example)
	if p.Equal(path.Empty()) {
		r.diags.AddError(summary, detail)
		return
	}
	r.diags.AddAttributeError(p, summary, detail)
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

// Bounds of request_timeout: below a second a slow but healthy answer fails;
// above ten minutes a hung server holds an operation for that long per try.
const (
	minRequestTimeout = time.Second
	maxRequestTimeout = 10 * time.Minute
)

func (r *resolver) resolveRequestTimeout(v types.String, cfg *resolvedConfig) {
	s := r.str("request_timeout", v, envRequestTimeout)
	if s.value == "" {
		return
	}
	d, err := time.ParseDuration(s.value)
	if err != nil || d < minRequestTimeout || d > maxRequestTimeout {
		r.diags.AddAttributeError(path.Root("request_timeout"), "Invalid Request Timeout",
			fmt.Sprintf("request_timeout (from %s) is %q; it must be a Go duration between 1s and 10m, such "+
				"as \"30s\" or \"2m\". It bounds each attempt's wait for an answer, not the whole operation "+
				"(that is the timeouts block of each data source and resource).", s.source, s.value))
		return
	}
	cfg.RequestTimeout = d
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

// resolveAuth decides the single authentication method of one source
// (where: "provider block", "environment" or a profile) and reports a missing
// or conflicting choice, naming where each conflicting value came from.
func (r *resolver) resolveAuth(c credSet, where string) authMethod {
	type method struct {
		kind     authMethod
		settings []setting
	}
	var methods []method
	if aksk := setSettings(c.ak, c.sk, c.st); len(aksk) > 0 {
		methods = append(methods, method{authAKSK, aksk})
	}
	if pw := setSettings(c.user, c.password, c.domain); len(pw) > 0 {
		methods = append(methods, method{authPassword, pw})
	}
	if c.token.set() {
		methods = append(methods, method{authToken, []setting{c.token}})
	}
	if len(methods) > 1 {
		var parts []string
		for _, m := range methods {
			for _, s := range m.settings {
				parts = append(parts, s.describe())
			}
		}
		r.diags.AddAttributeError(path.Root(methods[1].settings[0].name), "Conflicting ModelArts Credentials",
			"More than one authentication method is configured in the "+where+": "+strings.Join(parts, ", ")+". "+
				"Keep exactly one of AK/SK (access_key, secret_key, security_token), password (user_name, password, "+
				"domain_name) or token there, and unset the others.")
		return authNone
	}

	switch methods[0].kind {
	case authAKSK:
		if !c.ak.set() {
			r.missing(where, "access_key", envAccessKey, "AK/SK authentication needs the access key ID as well as the secret key")
		}
		if !c.sk.set() {
			r.missing(where, "secret_key", envSecretKey, "AK/SK authentication needs the secret key as well as the access key ID")
		}
		if c.st.set() {
			return authTemporaryAKSK
		}
		return authAKSK
	case authPassword:
		if !c.user.set() {
			r.missing(where, "user_name", envUserName, "Password authentication needs the IAM user name")
		}
		if !c.password.set() {
			r.missing(where, "password", envPassword, "Password authentication needs the IAM user's password")
		}
		if !c.domain.set() {
			r.missing(where, "domain_name", envDomainName, "Password authentication needs the account (domain) name the user belongs to")
		}
	}
	return methods[0].kind
}

// missing reports a value a method of the source where lacks. The other
// sources are not consulted: a method is complete in one place or it is an
// error, so that a value left in the environment never joins the block's.
func (r *resolver) missing(where, name string, env []string, why string) {
	var detail string
	switch where {
	case "provider block":
		detail = fmt.Sprintf("%s. Set %s in the provider block too: the provider block's credentials are never "+
			"completed from the environment (%s).", why, name, strings.Join(env, " or "))
	case "environment":
		detail = fmt.Sprintf("%s. Set the %s environment variable too (the other values of this method came from "+
			"the environment, and the provider block sets none).", why, strings.Join(env, " or "))
	default:
		detail = fmt.Sprintf("%s, and the %s lacks it.", why, where)
	}
	r.diags.AddAttributeError(path.Root(name), "Missing "+attrTitle(name), detail)
}

// noCredentialsDetail lists every source the provider looked at, with what
// it found, after the instance metadata (the last one) failed too.
func noCredentialsDetail(cfg resolvedConfig, metadataErr error) string {
	or := func(env []string) string { return strings.Join(env, " or ") }
	shared := cfg.SharedConfigNote
	if shared == "" {
		shared = "not found"
	}
	return "No credentials were found. The provider looked, in this order, at:\n" +
		"  1. the provider block: access_key and secret_key, plus security_token for temporary keys; user_name, " +
		"password and domain_name; or token;\n" +
		"  2. the environment: " + or(envAccessKey) + " and " + or(envSecretKey) + ", plus " + or(envSecurityToken) +
		" for temporary keys; " + or(envUserName) + ", " + or(envPassword) + " and " + or(envDomainName) + "; or " +
		or(envToken) + ";\n" +
		"  3. the shared config file of the Huawei Cloud CLI (shared_config_file or " + or(envSharedConfigFile) +
		", profile or " + or(envProfile) + "): " + shared + ";\n" +
		"  4. the instance metadata service of a cloud server or notebook at " + cfg.MetadataEndpoint + " (" +
		or(envMetadataEndpoint) + "): " + metadataErr.Error() + ".\n" +
		"Set one authentication method in the provider block or the environment, or run Terraform on a cloud " +
		"server whose agency gives it temporary keys."
}

func (r *resolver) resolveAssumeRole(m *assumeRoleModel, cfg *resolvedConfig) {
	var name, domain setting
	durationValue := types.Int64Null()
	if m != nil {
		name = r.block("assume_role.agency_name", m.AgencyName, envAgencyName)
		domain = r.block("assume_role.domain_name", m.DomainName, envAgencyDomain)
		durationValue = m.Duration
	}
	if !name.set() {
		name = r.env("assume_role.agency_name", envAgencyName)
	}
	if !domain.set() {
		domain = r.env("assume_role.domain_name", envAgencyDomain)
	}
	cfg.AgencyName, cfg.AgencyDomain = name.value, domain.value
	if durationValue.IsUnknown() {
		r.unknown("assume_role.duration", envAgencyDuration)
		return
	}
	if !durationValue.IsNull() {
		cfg.AgencyDuration = durationValue.ValueInt64()
	} else if s := r.env("assume_role.duration", envAgencyDuration); s.set() {
		n, err := strconv.ParseInt(s.value, 10, 64)
		if err != nil || n < minAgencyDuration || n > maxAgencyDuration {
			r.diags.AddAttributeError(path.Root("assume_role").AtName("duration"), "Invalid Environment Variable",
				fmt.Sprintf("%s=%q is not a whole number of seconds between %d and %d.", s.source, s.value,
					minAgencyDuration, maxAgencyDuration))
			return
		}
		cfg.AgencyDuration = n
	}
	if cfg.AgencyName == "" && (domain.set() || cfg.AgencyDuration != 0) {
		r.diags.AddAttributeError(path.Root("assume_role").AtName("agency_name"), "Missing Agency Name",
			"assume_role needs the name of the agency to assume. Set agency_name in the assume_role block or the "+
				envAgencyName[0]+" environment variable.")
	}
	if cfg.AgencyName != "" && cfg.AgencyDuration == 0 {
		cfg.AgencyDuration = defaultAgencyDuration
	}
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

// httpClient is the HTTP client of ModelArts and IAM requests: proxy from
// the environment, TLS settings of the configuration.
func httpClient(cfg resolvedConfig) (*http.Client, error) {
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
		pem, err := readCAFile(cfg.CAFile)
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
	return &http.Client{Transport: transport}, nil
}

// readCAFile reads at most maxCAFileBytes: the file was checked, but may
// have grown since.
func readCAFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxCAFileBytes+1))
	if err == nil && len(b) > maxCAFileBytes {
		err = fmt.Errorf("%s is larger than 1 MiB", name)
	}
	return b, err
}

// authOptions are the client options of the credentials, shared by the
// client and the project lookup.
func authOptions(cfg resolvedConfig) []client.Option {
	var opts []client.Option
	if cfg.AuthURL != "" {
		opts = append(opts, client.WithIAMURL(cfg.AuthURL))
	}
	switch cfg.AuthMethod {
	case authAKSK:
		opts = append(opts, client.WithAccessKey(cfg.AccessKey, cfg.SecretKey, ""))
	case authTemporaryAKSK:
		opts = append(opts, client.WithAccessKey(cfg.AccessKey, cfg.SecretKey, cfg.SecurityToken))
	case authPassword:
		opts = append(opts, client.WithPassword(cfg.UserName, cfg.Password, cfg.DomainName))
	case authToken:
		opts = append(opts, client.WithToken(cfg.Token))
	case authMetadata:
		opts = append(opts, client.WithInstanceMetadata(cfg.MetadataEndpoint))
	}
	if cfg.AgencyName != "" {
		opts = append(opts, client.WithAssumeRole(cfg.AgencyName, cfg.AgencyDomain, time.Duration(cfg.AgencyDuration)*time.Second))
	}
	return opts
}

// newAPIClient builds the one client shared by every data source and resource.
func newAPIClient(cfg resolvedConfig, hc *http.Client, ua string) (*client.Client, error) {
	opts := []client.Option{
		client.WithBaseURL(cfg.Endpoint),
		client.WithProjectID(cfg.ProjectID),
		client.WithHTTPClient(hc),
		client.WithUserAgent(ua),
		client.WithMaxRetries(cfg.MaxRetries),
		client.WithLogger(tflogLogger),
	}
	if cfg.RequestTimeout > 0 {
		opts = append(opts, client.WithResponseHeaderTimeout(cfg.RequestTimeout), client.WithBodyTimeout(cfg.RequestTimeout))
	}
	return client.New(append(opts, authOptions(cfg)...)...)
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
