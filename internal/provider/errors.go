package provider

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/tf-modelarts/terraform-provider-modelarts/internal/client"
)

// Error codes that mean the credentials, not the request, were refused
// (API reference, "Error Codes"; APIG.0301 comes from the API gateway).
var authErrorCodes = map[string]bool{
	"APIG.0301":      true,
	"ModelArts.0201": true,
	"ModelArts.0202": true,
	"ModelArts.0203": true,
	"ModelArts.0206": true,
	"ModelArts.0212": true,
}

// isAnswerAboutJob reports whether err is ModelArts' definitive answer to the
// request (the job does not exist, access is denied, the input is invalid),
// as opposed to a transport failure, a credential failure or a transient
// condition that outlived the retries. Only such answers may be returned as
// data when fail_on_error is false: a throttled or unreachable service says
// nothing about whether the job exists.
func isAnswerAboutJob(err error) bool {
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return false
	}
	// Only ModelArts' own answer says anything about the job: a gateway
	// code (APIG.*, such as a 404 for a wrong endpoint), a proxy's HTML page
	// or an empty body does not, whatever its status.
	if authErrorCodes[apiErr.Code] || !strings.HasPrefix(apiErr.Code, "ModelArts.") {
		return false
	}
	switch {
	case apiErr.StatusCode == http.StatusUnauthorized, apiErr.StatusCode == http.StatusTooManyRequests:
		return false
	case apiErr.StatusCode >= 500:
		return false
	}
	return true
}

// jobOp names an operation on one job for errorDetail, e.g. jobOp("read", "8992").
func jobOp(verb, id string) string {
	return fmt.Sprintf("%s visualization job %q", verb, id)
}

// errorDetail writes the detail of a diagnostic for a failed operation: what
// was asked (what, see jobOp), what ModelArts answered (status, code, message,
// request ID) and what the user can do about it. id is the job concerned, or
// "" for operations on no single job.
func errorDetail(what, id string, err error, timeout time.Duration) string {
	detail := "Could not " + what + ".\n\n"
	var apiErr *client.APIError
	hasAPIErr := errors.As(err, &apiErr)
	var refused *refusedError
	if errors.As(err, &refused) {
		return detail + refused.Error() + "."
	}
	var ambiguous *ambiguousCreateError
	if errors.As(err, &ambiguous) {
		return detail + "No job was adopted: " + ambiguous.Error() + "."
	}
	var statusErr *jobStatusError
	if errors.As(err, &statusErr) {
		return detail + "ModelArts reports that " + statusErr.Error() + ".\n\nCheck that train_url is an OBS " +
			"directory the job can read and look at the job's events in the ModelArts console."
	}

	switch {
	case client.IsEndpointNotFound(err):
		// Not ModelArts' answer: say where it came from, not "ModelArts answered".
		return detail + "The answer was " + describeAPIError(apiErr) + ". That answer did not come from " +
			"ModelArts (it carries no ModelArts error code), so it says nothing about the job, which may well " +
			"exist: the endpoint (host or base path) is probably wrong, or a proxy answers in its place.\n\n" +
			"Check endpoints.modelarts (HW_MODELARTS_ENDPOINT), region and cloud: the endpoint is the service's " +
			"root, such as https://modelarts.eu-de.otc.t-systems.com, without /v1 or a project ID."
	case errors.Is(err, client.ErrListTooLarge):
		return detail + fmt.Sprintf("%s.\n\nThe provider reads at most %d jobs (%d pages) in one list, far more "+
			"than a project's quota allows, so such an answer is taken as a server fault rather than read to "+
			"its end. Narrow the list with status or search_content, or check the endpoint.",
			err, client.MaxListJobs, client.MaxListPages)
	case errors.Is(err, client.ErrListInconsistent):
		return detail + fmt.Sprintf("The pages ModelArts returned do not fit together: %s.\n\nThe server (or a "+
			"proxy caching its answers) does not page the list as asked, so the provider stops instead of "+
			"returning duplicates or an incomplete list. Run Terraform again; if it persists, check the endpoint.", err)
	case errors.Is(err, context.DeadlineExceeded):
		detail += fmt.Sprintf("The operation did not finish within its timeout of %s. ", timeout)
		if hasAPIErr {
			detail += "The last answer from ModelArts was " + describeAPIError(apiErr) + ". "
		}
		detail += fmt.Sprintf("Full error: %s.\n\nIncrease the timeout in the timeouts block if ModelArts is "+
			"slow, or check the endpoint and the service status.", err)
		return detail
	case !hasAPIErr && (errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, client.ErrMalformedResponse)):
		return detail + fmt.Sprintf("ModelArts' answer was cut off or malformed: %s.%s\n\nThis is usually a transient "+
			"problem of the network or a proxy between this machine and ModelArts; run Terraform again.", err, mayHaveTakenEffect(err))
	case !hasAPIErr && isDNSNotFound(err):
		return detail + fmt.Sprintf("The endpoint's host name does not resolve: %s.\n\nUnless endpoints.modelarts "+
			"(HW_MODELARTS_ENDPOINT) is set, the host is built from region and cloud as "+
			"modelarts.{region}.{cloud}: check both (ModelArts is not offered in every region), or set the "+
			"endpoint. Behind a proxy, check HTTPS_PROXY and NO_PROXY.", err)
	case !hasAPIErr:
		return detail + fmt.Sprintf("The request failed before a complete answer arrived from ModelArts: %s.%s\n\n"+
			"Check the endpoint (endpoints.modelarts), the network, proxy settings (HTTPS_PROXY, NO_PROXY) and TLS "+
			"settings (ca_file).", err, mayHaveTakenEffect(err))
	}

	detail += "ModelArts answered " + describeAPIError(apiErr) + "." + mayHaveTakenEffect(err)
	if advice := apiErrorAdvice(apiErr, id, err); advice != "" {
		detail += "\n\n" + advice
	}
	return detail
}

// apiErrorAdvice says what the user can do about an API error, or "" when
// there is nothing general to say (a caller may add its own advice, as a
// paragraph of its own).
func apiErrorAdvice(apiErr *client.APIError, id string, err error) string {
	switch {
	case client.IsNotFound(err) && id != "":
		return fmt.Sprintf("Check that visualization job %s exists in the configured project (the "+
			"modelarts_visualization_jobs data source lists them). A data source can test whether a job exists "+
			"without failing: set fail_on_error = false and read is_success.", id)
	case authErrorCodes[apiErr.Code] || apiErr.StatusCode == http.StatusUnauthorized:
		return "The credentials were rejected. Check access_key and secret_key (and that the security_token " +
			"of temporary keys has not expired), the token, or user_name, password and domain_name; AK/SK " +
			"signatures are also refused when this machine's clock is more than 15 minutes off."
	case apiErr.StatusCode == http.StatusForbidden:
		return "The credentials are valid but not allowed to do this. Grant the IAM user ModelArts " +
			"permissions in this project, or check the IAM policies that deny it."
	case apiErr.Code == "ModelArts.0204" || apiErr.Code == "ModelArts.0210":
		return "The project ID does not belong to the credentials. Check project_id and the region."
	case apiErr.StatusCode == http.StatusTooManyRequests || apiErr.StatusCode >= 500:
		return "ModelArts was throttling or unavailable and the retries ran out. Try again later, or raise " +
			"max_retries in the provider block or the timeout in the timeouts block."
	}
	return ""
}

// mayHaveTakenEffect warns, for a stop or restart whose answer was lost or
// was a gateway error, that the job may have changed anyway.
func mayHaveTakenEffect(err error) string {
	var actErr *actionError
	if !errors.As(err, &actErr) {
		return ""
	}
	var apiErr *client.APIError
	if errors.As(err, &apiErr) && (apiErr.StatusCode < 500 || apiErr.StatusCode == 503) {
		return ""
	}
	return fmt.Sprintf(" The %s may have taken effect all the same: the next plan shows the job's actual state.", actErr.action)
}

// describeAPIError renders the parts of an API error a user needs, without
// repeating a message that is already empty. The message's own final period
// is left out: the request ID follows it, and the caller ends the sentence.
func describeAPIError(e *client.APIError) string {
	s := fmt.Sprintf("HTTP %d", e.StatusCode)
	if client.IsEndpointNotFound(e) {
		// Where a 404 that is not ModelArts' own came from is the point.
		s += " from " + e.Host + e.Path
	}
	if e.Code != "" {
		s += " with error code " + e.Code
	}
	if msg := strings.TrimRight(strings.TrimSpace(e.Message), "."); msg != "" {
		s += ": " + msg
	}
	if e.RequestID != "" {
		s += " (request ID " + e.RequestID + ")"
	}
	return s
}

// isDNSNotFound reports whether err is a host name that does not resolve.
func isDNSNotFound(err error) bool {
	var dnsErr *net.DNSError
	return errors.As(err, &dnsErr) && dnsErr.IsNotFound
}
