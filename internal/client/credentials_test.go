package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Item 12 of issue 11: a server that refuses every token makes at most two
// logins for 50 reads (the first token and one renewal), sequential or
// concurrent, and every read fails with the refusal.
func TestPasswordAuth_permanent401StopsLoggingIn(t *testing.T) {
	for _, concurrent := range []bool{false, true} {
		t.Run(fmt.Sprintf("concurrent=%v", concurrent), func(t *testing.T) {
			iam := newIAMServer(t)
			srv := newAPIServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) {
				writeJSON(w, 401, `{"error_code":"ModelArts.0203","error_msg":"token invalid"}`)
			})
			c := passwordClient(t, srv, iam)
			var wg sync.WaitGroup
			var authErrs atomic.Int32
			read := func() {
				defer wg.Done()
				_, err := c.GetVisualizationJob(context.Background(), "197")
				if IsAuthError(err) && strings.Contains(err.Error(), "ModelArts.0203") {
					authErrs.Add(1)
				} else {
					t.Errorf("want the ModelArts.0203 refusal, got %v", err)
				}
			}
			for i := 0; i < 50; i++ {
				wg.Add(1)
				if concurrent {
					go read()
				} else {
					read()
				}
			}
			wg.Wait()
			if iam.count() > 2 || authErrs.Load() != 50 {
				t.Errorf("%d logins for 50 reads (want at most 2), %d auth errors", iam.count(), authErrs.Load())
			}
			if srv.count() > 2*50 {
				t.Errorf("%d ModelArts requests", srv.count())
			}
			t.Logf("%d logins, %d ModelArts requests for 50 reads", iam.count(), srv.count())
		})
	}
}

// A refused renewal (IAM answers 401 to the second login) is remembered too.
func TestPasswordAuth_refusedRenewalIsRemembered(t *testing.T) {
	iam := newIAMServer(t)
	iam.fail = func(n int) (int, string) {
		if n == 1 {
			return 0, ""
		}
		return 401, `{"error":{"code":401,"message":"The account is locked.","title":"Unauthorized"}}`
	}
	var calls atomic.Int32
	srv := newAPIServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) {
		calls.Add(1)
		writeJSON(w, 401, `{"error_code":"ModelArts.0202","error_msg":"token expired"}`)
	})
	c := passwordClient(t, srv, iam)
	for i := 0; i < 50; i++ {
		_, err := c.GetVisualizationJob(context.Background(), "197")
		if !strings.Contains(fmt.Sprint(err), "The account is locked.") {
			t.Fatalf("read %d: want IAM's answer, got %v", i, err)
		}
	}
	if iam.count() != 2 || calls.Load() != 1 {
		t.Errorf("%d logins and %d ModelArts requests, want 2 and 1", iam.count(), calls.Load())
	}
}

// metadataServer is a fake metadata service with the session-token
// handshake, issuing keys that last life.
type metadataServer struct {
	*apiServer
	life     time.Duration
	mu       sync.Mutex
	keys     int
	noTokens bool
}

func newMetadataServer(t *testing.T, life time.Duration) *metadataServer {
	m := &metadataServer{life: life}
	m.apiServer = newAPIServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte, _ int) {
		switch {
		case r.Method == http.MethodPut && r.URL.Path == metadataTokenPath:
			if m.noTokens {
				http.NotFound(w, r)
				return
			}
			if r.Header.Get("X-Metadata-Token-Ttl-Seconds") == "" {
				http.Error(w, "ttl missing", 400)
				return
			}
			_, _ = w.Write([]byte("session-token-1"))
		case r.URL.Path == metadataKeyPath:
			if !m.noTokens && r.Header.Get("X-Metadata-Token") != "session-token-1" {
				http.Error(w, "token", http.StatusUnauthorized)
				return
			}
			m.mu.Lock()
			m.keys++
			n := m.keys
			m.mu.Unlock()
			writeJSON(w, 200, fmt.Sprintf(`{"credential":{"access":"TMPAK%d","secret":"tmp-secret-%d","securitytoken":"tmp-token-%d","expires_at":%q}}`,
				n, n, n, time.Now().Add(m.life).UTC().Format(time.RFC3339Nano)))
		case r.URL.Path == metadataInfoPath:
			writeJSON(w, 200, `{"project_id":"`+testProjectID+`","region_id":"eu-de","uuid":"u"}`)
		default:
			http.NotFound(w, r)
		}
	})
	return m
}

// The metadata keys sign requests, carry their security token, and are
// renewed halfway through a short life; concurrent readers share a renewal.
func TestMetadataAuth_signsAndRenews(t *testing.T) {
	md := newMetadataServer(t, 400*time.Millisecond)
	var mu sync.Mutex
	seen := map[string]int{}
	srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request, body []byte, _ int) {
		tok := r.Header.Get("X-Security-Token")
		n := strings.TrimPrefix(tok, "tmp-token-")
		if err := verifySDKHMAC(r, body, "TMPAK"+n, "tmp-secret-"+n); err != nil || tok == "" {
			writeJSON(w, 401, `{"error_code":"APIG.0301","error_msg":"verify aksk signature fail"}`)
			return
		}
		mu.Lock()
		seen[tok]++
		mu.Unlock()
		jobHandler(w, r, body, 0)
	})
	c := newTestClient(t, srv, WithInstanceMetadata(md.URL))
	deadline := time.Now().Add(time.Second)
	reads := 0
	for time.Now().Before(deadline) {
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := c.GetVisualizationJob(context.Background(), "197"); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		reads += 8
		time.Sleep(20 * time.Millisecond)
	}
	md.mu.Lock()
	keys := md.keys
	md.mu.Unlock()
	// 1 s of reads with keys renewed every 200 ms: about 5 key fetches, far
	// fewer than reads.
	// The last keys may have been fetched as the reads ended.
	if keys < 3 || keys > 12 || len(seen) < keys-1 {
		t.Errorf("%d key fetches, %d keys seen, for %d reads", keys, len(seen), reads)
	}
	t.Logf("%d reads signed with %d successive metadata keys", reads, keys)
}

func TestMetadata_withoutHandshakeAndInfo(t *testing.T) {
	md := newMetadataServer(t, time.Hour)
	md.noTokens = true
	info, err := ReadInstanceMetadata(context.Background(), md.URL, "")
	if err != nil || info.ProjectID != testProjectID || info.RegionID != "eu-de" {
		t.Fatalf("info %+v, err %v", info, err)
	}
	m, _ := newMetadataClient(md.URL, "t", nil)
	creds, err := m.credentials(context.Background())
	if err != nil || creds.AccessKey != "TMPAK1" || creds.SecurityToken != "tmp-token-1" {
		t.Fatalf("creds %+v, err %v", creds, err)
	}
}

// Nothing listening: the error comes within the connect timeout, not after
// a minute.
func TestMetadata_unreachableFailsFast(t *testing.T) {
	srv := newAPIServer(t, nil)
	url := srv.URL
	srv.Close()
	start := time.Now()
	_, err := ReadInstanceMetadata(context.Background(), url, "")
	if err == nil || time.Since(start) > 3*time.Second {
		t.Fatalf("err %v after %s", err, time.Since(start))
	}
}

// assume_role: the base credentials sign the IAM call, the agency's keys
// sign ModelArts requests; IAM's refusal is remembered.
func TestAssumeRole_signsWithAgencyKeys(t *testing.T) {
	var iamCalls atomic.Int32
	refuse := atomic.Bool{}
	iam := newAPIServer(t, func(w http.ResponseWriter, r *http.Request, body []byte, _ int) {
		if r.URL.Path != "/iam/v3.0/OS-CREDENTIAL/securitytokens" || r.Method != http.MethodPost {
			http.NotFound(w, r)
			return
		}
		iamCalls.Add(1)
		if err := verifySDKHMAC(r, body, testAK, testSK); err != nil {
			writeJSON(w, 401, `{"error_msg":"bad signature","error_code":"APIG.0301"}`)
			return
		}
		if !strings.Contains(string(body), `"agency_name":"ml-agency"`) || !strings.Contains(string(body), `"duration_seconds":900`) {
			writeJSON(w, 400, `{"error":{"code":400,"message":"bad body"}}`)
			return
		}
		if refuse.Load() {
			writeJSON(w, 403, `{"error":{"code":403,"message":"no such agency"}}`)
			return
		}
		writeJSON(w, 201, fmt.Sprintf(`{"credential":{"access":"AGENCYAK","secret":"agency-secret","securitytoken":"agency-token","expires_at":%q}}`,
			time.Now().Add(time.Hour).UTC().Format(time.RFC3339)))
	})
	srv := newAPIServer(t, jobHandler)
	srv.ak, srv.sk = "AGENCYAK", "agency-secret"
	c := newTestClient(t, srv, WithAccessKey(testAK, testSK, ""), WithIAMURL(iam.URL+"/iam/v3"),
		WithAssumeRole("ml-agency", "acme", 15*time.Minute))
	for i := 0; i < 5; i++ {
		if _, err := c.GetVisualizationJob(context.Background(), "197"); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range srv.requests() {
		if r.SigErr != nil || r.Header.Get("X-Security-Token") != "agency-token" {
			t.Fatalf("request not signed with the agency keys: %v", r.SigErr)
		}
	}
	if iamCalls.Load() != 1 {
		t.Errorf("%d assume_role calls for 5 reads", iamCalls.Load())
	}

	refuse.Store(true)
	c2 := newTestClient(t, srv, WithAccessKey(testAK, testSK, ""), WithIAMURL(iam.URL+"/iam/v3"),
		WithAssumeRole("ml-agency", "acme", 15*time.Minute))
	for i := 0; i < 5; i++ {
		_, err := c2.GetVisualizationJob(context.Background(), "197")
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 403 || !strings.Contains(err.Error(), `agency "ml-agency" in domain "acme"`) {
			t.Fatalf("want IAM's 403, got %v", err)
		}
	}
	if iamCalls.Load() != 2 {
		t.Errorf("the refusal was not remembered: %d assume_role calls", iamCalls.Load())
	}
}

func TestSecurityTokensURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://iam.eu-de.otc.t-systems.com/v3":   "https://iam.eu-de.otc.t-systems.com/v3.0/OS-CREDENTIAL/securitytokens",
		"https://iam.eu-de.otc.t-systems.com/v3/":  "https://iam.eu-de.otc.t-systems.com/v3.0/OS-CREDENTIAL/securitytokens",
		"https://iam.eu-de.otc.t-systems.com/v3.0": "https://iam.eu-de.otc.t-systems.com/v3.0/OS-CREDENTIAL/securitytokens",
		"http://127.0.0.1:8449/proxy/iam/v3":       "http://127.0.0.1:8449/proxy/iam/v3.0/OS-CREDENTIAL/securitytokens",
	} {
		u, _ := parseEndpoint("t", in)
		if got := securityTokensURL(u); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}

func TestFindProject(t *testing.T) {
	iam := newAPIServer(t, func(w http.ResponseWriter, r *http.Request, body []byte, _ int) {
		if err := verifySDKHMAC(r, body, testAK, testSK); err != nil || r.Header.Get("X-Project-Id") != "" {
			writeJSON(w, 401, `{"error_msg":"bad signature","error_code":"APIG.0301"}`)
			return
		}
		if r.URL.Path != "/v3/projects" {
			http.NotFound(w, r)
			return
		}
		switch r.URL.Query().Get("name") {
		case "eu-de":
			writeJSON(w, 200, `{"projects":[{"id":"`+testProjectID+`","name":"eu-de"}]}`)
		case "":
			writeJSON(w, 200, `{"projects":[{"id":"a","name":"eu-de"},{"id":"b","name":"MOS"}]}`)
		default:
			writeJSON(w, 200, `{"projects":[]}`)
		}
	})
	opts := []Option{WithAccessKey(testAK, testSK, ""), WithIAMURL(iam.URL + "/v3")}
	p, err := FindProject(context.Background(), "eu-de", opts...)
	if err != nil || p.ID != testProjectID {
		t.Fatalf("project %+v, err %v", p, err)
	}
	_, err = FindProject(context.Background(), "eu-nl", opts...)
	var nf *ProjectNotFoundError
	if !errors.As(err, &nf) || strings.Join(nf.Available, ",") != "eu-de,MOS" {
		t.Fatalf("want a ProjectNotFoundError listing eu-de and MOS, got %v", err)
	}
	_, err = FindProject(context.Background(), "eu-de", WithAccessKey(testAK, "wrong", ""), WithIAMURL(iam.URL+"/v3"))
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || !strings.Contains(err.Error(), "IAM error: HTTP 401") {
		t.Fatalf("want IAM's 401, got %v", err)
	}
}
