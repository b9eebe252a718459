package provider

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/tf-modelarts/terraform-provider-modelarts/internal/client"
)

// The quota error of a create, as a user reads it: one blank line between
// paragraphs, one period after the message, the request ID inside the
// sentence.
func TestErrorDetail_quotaParagraphsAndPunctuation(t *testing.T) {
	err := &client.APIError{StatusCode: 400, Code: "ModelArts.0118", RequestID: "req-1",
		Message: "Quota exceeded: at most 10 visualization jobs may run at once."}
	got := errorDetail(`create visualization job "tb"`, "", err, time.Minute) + createHint(err)
	want := "Could not create visualization job \"tb\".\n\n" +
		"ModelArts answered HTTP 400 with error code ModelArts.0118: Quota exceeded: at most 10 visualization " +
		"jobs may run at once (request ID req-1).\n\n" +
		"The project has reached its quota of visualization jobs."
	if !strings.HasPrefix(got, want) {
		t.Errorf("detail:\n%q\nwant it to start with:\n%q", got, want)
	}
	if strings.Contains(got, "\n\n\n") {
		t.Errorf("the detail has more than one blank line between paragraphs: %q", got)
	}
}

func TestDescribeAPIError(t *testing.T) {
	for _, tc := range []struct {
		err  client.APIError
		want string
	}{
		{client.APIError{StatusCode: 404, Code: "ModelArts.0015", Message: "abc def.", RequestID: "r"},
			"HTTP 404 with error code ModelArts.0015: abc def (request ID r)"},
		{client.APIError{StatusCode: 404, Code: "ModelArts.0015", Message: "abc def"},
			"HTTP 404 with error code ModelArts.0015: abc def"},
		{client.APIError{StatusCode: 502, Message: " . ", RequestID: "r"}, "HTTP 502 (request ID r)"},
		{client.APIError{StatusCode: 503}, "HTTP 503"},
		// A 404 that is not ModelArts' own names where it came from.
		{client.APIError{StatusCode: 404, Code: "APIG.0101", Message: "API does not exist.", Host: "gw:8443",
			Path: "/v1/p/visualization-jobs/8992", RequestID: "r"},
			"HTTP 404 from gw:8443/v1/p/visualization-jobs/8992 with error code APIG.0101: API does not exist (request ID r)"},
	} {
		if got := describeAPIError(&tc.err); got != tc.want {
			t.Errorf("describeAPIError(%+v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

// An error without advice ends with its answer: no trailing blank lines for
// a caller's paragraph to pile onto.
func TestErrorDetail_noAdviceNoTrailingBlankLine(t *testing.T) {
	err := &client.APIError{StatusCode: 400, Code: "ModelArts.0101", Message: "bad"}
	got := errorDetail(jobOp("read", "8992"), "8992", err, time.Minute)
	if want := "Could not read visualization job \"8992\".\n\nModelArts answered HTTP 400 with error code " +
		"ModelArts.0101: bad."; got != want {
		t.Errorf("detail %q, want %q", got, want)
	}
}

// A derived host that does not resolve points at region and cloud.
func TestErrorDetail_unresolvableHost(t *testing.T) {
	err := fmt.Errorf("GET /v1/p/visualization-jobs/8992: %w", &net.DNSError{
		Err: "no such host", Name: "modelarts.eu-xx.otc.t-systems.com", IsNotFound: true,
	})
	got := errorDetail(jobOp("read", "8992"), "8992", err, time.Minute)
	for _, want := range []string{`Could not read visualization job "8992"`, "modelarts.eu-xx.otc.t-systems.com",
		"modelarts.{region}.{cloud}: check both"} {
		if !strings.Contains(got, want) {
			t.Errorf("detail lacks %q:\n%s", want, got)
		}
	}
}
