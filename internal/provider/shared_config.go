package provider

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/path"
)

// The shared config file of the Huawei Cloud CLI (hcloud), by default
// ~/.hcloud/config.json (modelarts-api.md, section 4, source 5).
const (
	defaultSharedConfigFile = ".hcloud/config.json"
	maxSharedConfigBytes    = 1 << 20
	profileModeAKSK         = "AKSK"
	profileModeAgency       = "ecsAgency"
)

// Agency session lengths (IAM's duration_seconds).
const (
	minAgencyDuration     = 900
	maxAgencyDuration     = 43200
	defaultAgencyDuration = 3600
)

type cliProfile struct {
	Name            string `json:"name"`
	Mode            string `json:"mode"`
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
	SecurityToken   string `json:"securityToken"`
	Region          string `json:"region"`
	ProjectID       string `json:"projectId"`
}

// readProfile reads the profile the configuration names (or the file's
// current one). It returns nil and true when there is no file to read at
// the default place, and false after an error, which it reported. It records
// the file and what was found there in cfg for the "no credentials" message.
func (r *resolver) readProfile(file, profile setting, cfg *resolvedConfig) (*cliProfile, bool) {
	name := file.value
	explicit := file.set()
	if !explicit {
		home := r.getenv("HOME")
		if home == "" {
			home = r.getenv("USERPROFILE")
		}
		if home == "" {
			cfg.SharedConfigNote = "not looked for (HOME is not set)"
			return nil, true
		}
		name = filepath.Join(home, filepath.FromSlash(defaultSharedConfigFile))
	}
	cfg.SharedConfigFile = name
	fileAttr := path.Root("shared_config_file")
	data, err := readLimited(name, maxSharedConfigBytes)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !explicit:
		cfg.SharedConfigNote = name + " does not exist"
		return nil, true
	case err != nil:
		r.diags.AddAttributeError(fileAttr, "Unreadable Shared Config File",
			fmt.Sprintf("The shared config file %s (from %s) cannot be read: %s. Point shared_config_file (or %s) "+
				"at the Huawei Cloud CLI's config.json, or unset it.", name, file.source, err, envSharedConfigFile[0]))
		return nil, false
	}

	var doc struct {
		Current  string            `json:"current"`
		Profiles []json.RawMessage `json:"profiles"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		r.diags.AddAttributeError(fileAttr, "Invalid Shared Config File",
			fmt.Sprintf("The shared config file %s is not the Huawei Cloud CLI's JSON format: %s. Fix it with "+
				"`hcloud configure init`, or set credentials in the provider block or the environment.", name, err))
		return nil, false
	}
	want := profile.value
	if want == "" {
		want = doc.Current
	}
	if want == "" {
		want = "default"
	}
	var names []string
	for _, raw := range doc.Profiles {
		var p cliProfile
		if err := json.Unmarshal(raw, &p); err != nil {
			continue
		}
		names = append(names, p.Name)
		if p.Name != want {
			continue
		}
		return r.checkProfile(p, raw, name)
	}
	sort.Strings(names)
	detail := fmt.Sprintf("The shared config file %s has no profile %q", name, want)
	if profile.set() {
		detail += fmt.Sprintf(" (profile from %s)", profile.source)
	} else {
		detail += " (its \"current\" profile)"
	}
	if len(names) > 0 {
		detail += "; it has " + quoteList(names)
	} else {
		detail += "; it has no profiles"
	}
	r.diags.AddAttributeError(path.Root("profile"), "Unknown Profile", detail+". Set profile (or "+envProfile[0]+
		") to one of them, or create it with `hcloud configure init --cli-profile="+want+"`.")
	return nil, false
}

// checkProfile accepts AK/SK profiles (temporary with a security token) and
// the CLI's ecsAgency mode (the instance metadata).
func (r *resolver) checkProfile(p cliProfile, raw json.RawMessage, file string) (*cliProfile, bool) {
	attr := path.Root("profile")
	if encrypted(raw) {
		r.diags.AddAttributeError(attr, "Encrypted Profile",
			fmt.Sprintf("Profile %q of %s holds keys that the Huawei Cloud CLI encrypted (cli-auth-encrypt), which "+
				"only the CLI can read. Turn the CLI's key encryption off for this profile, or give the keys to the "+
				"provider another way (%s and %s).", p.Name, file, envAccessKey[0], envSecretKey[0]))
		return nil, false
	}
	switch p.Mode {
	case profileModeAgency:
		return &p, true
	case profileModeAKSK, "":
	default:
		r.diags.AddAttributeError(attr, "Unsupported Profile Mode",
			fmt.Sprintf("Profile %q of %s uses mode %q. The provider reads profiles in mode %s (access keys, "+
				"temporary with securityToken) and %s (the cloud server's agency). Choose another profile, create an "+
				"AK/SK one with `hcloud configure init --cli-mode=AKSK`, or set credentials in the provider block or "+
				"the environment.", p.Name, file, p.Mode, profileModeAKSK, profileModeAgency))
		return nil, false
	}
	if p.AccessKeyID == "" || p.SecretAccessKey == "" {
		r.diags.AddAttributeError(attr, "Incomplete Profile",
			fmt.Sprintf("Profile %q of %s is in mode %s but lacks accessKeyId or secretAccessKey. Run `hcloud "+
				"configure init --cli-profile=%s` to complete it.", p.Name, file, profileModeAKSK, p.Name))
		return nil, false
	}
	return &p, true
}

// encrypted reports whether the CLI encrypted a profile's keys: it then
// marks the profile with a field whose name contains "encrypt" set to true
// or to a non-empty value [choice: the CLI does not document the format].
func encrypted(raw json.RawMessage) bool {
	var fields map[string]any
	if json.Unmarshal(raw, &fields) != nil {
		return false
	}
	for k, v := range fields {
		if !strings.Contains(strings.ToLower(k), "encrypt") {
			continue
		}
		switch v := v.(type) {
		case bool:
			if v {
				return true
			}
		case string:
			if v != "" && v != "false" {
				return true
			}
		}
	}
	return false
}

func readLimited(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file")
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err == nil && int64(len(b)) > limit {
		err = fmt.Errorf("larger than %d bytes", limit)
	}
	return b, err
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
