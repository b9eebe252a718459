package client

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

const (
	signAlgorithm = "SDK-HMAC-SHA256"
	sdkDateLayout = "20060102T150405Z"

	headerSdkDate       = "X-Sdk-Date"
	headerSecurityToken = "X-Security-Token"
	headerProjectID     = "X-Project-Id"
	headerAuthorization = "Authorization"
)

// Signer signs requests with the API gateway's "SDK-HMAC-SHA256" scheme in its
// "Access=" form (spec section 5). The zero value is not usable: both keys must be set.
type Signer struct {
	// AccessKey is the AK, sent in clear in the Authorization header.
	AccessKey string
	// SecretKey is the SK, the HMAC key; it never leaves the process.
	SecretKey string
}

// header is one signed header: name in lower case, value as sent.
type header struct {
	name  string
	value string
}

// Sign sets the X-Sdk-Date header (t in UTC) and the Authorization header of req.
// body must be the exact bytes req will send (nil when it has none). It signs
// host (req.Host, else the URL host, with its port when present), x-sdk-date, and
// x-security-token and x-project-id when req carries them. Sign does not read req.Body.
func (s Signer) Sign(req *http.Request, body []byte, t time.Time) error {
	if req == nil || req.URL == nil {
		return errors.New("signing request: request or its URL is nil")
	}
	if s.AccessKey == "" || s.SecretKey == "" {
		return errors.New("signing request: access key and secret key must both be set")
	}
	if req.Header == nil {
		req.Header = make(http.Header)
	}
	date := t.UTC().Format(sdkDateLayout)
	req.Header.Set(headerSdkDate, date)

	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	// Kept in sorted order by construction: host < x-project-id < x-sdk-date < x-security-token.
	var buf [4]header
	hs := append(buf[:0], header{"host", host})
	if v, ok := req.Header[headerProjectID]; ok {
		hs = append(hs, header{"x-project-id", firstValue(v)})
	}
	hs = append(hs, header{"x-sdk-date", date})
	if v, ok := req.Header[headerSecurityToken]; ok {
		hs = append(hs, header{"x-security-token", firstValue(v)})
	}
	req.Header.Set(headerAuthorization, s.authorization(req.Method, req.URL, hs, body, date))
	return nil
}

// signBuf is reusable signing state: the HMAC keyed with the SK and scratch space,
// pooled by the signing transport so that a request costs no hashing allocations.
type signBuf struct {
	mac hash.Hash
	buf []byte
	sum [sha256.Size]byte
	arr [512]byte
}

func (s Signer) newSignBuf() *signBuf {
	sb := &signBuf{mac: hmac.New(sha256.New, []byte(s.SecretKey))}
	sb.buf = sb.arr[:0]
	return sb
}

// authorization computes the Authorization header value for the given signed headers.
func (s Signer) authorization(method string, u *url.URL, hs []header, body []byte, date string) string {
	return s.authorizationWith(s.newSignBuf(), method, u, hs, body, date)
}

// authorizationWith is authorization using (and overwriting) sb.
func (s Signer) authorizationWith(sb *signBuf, method string, u *url.URL, hs []header, body []byte, date string) string {
	sb.buf = appendCanonicalRequest(sb.buf[:0], method, u, hs, body)
	crHash := sha256.Sum256(sb.buf)

	sts := append(sb.buf[:0], signAlgorithm...)
	sts = append(sts, '\n')
	sts = append(sts, date...)
	sts = append(sts, '\n')
	sts = hex.AppendEncode(sts, crHash[:])
	sb.mac.Reset()
	sb.mac.Write(sts)
	sig := sb.mac.Sum(sb.sum[:0])

	out := append(sts[:0], signAlgorithm+" Access="...)
	out = append(out, s.AccessKey...)
	out = append(out, ", SignedHeaders="...)
	out = appendSignedHeaders(out, normalizeHeaders(hs))
	out = append(out, ", Signature="...)
	out = hex.AppendEncode(out, sig)
	sb.buf = out
	return string(out)
}

// canonicalRequest returns the canonical request of spec section 5 for the given
// signed headers (any order; names are lower-cased here).
func canonicalRequest(method string, u *url.URL, hs []header, body []byte) string {
	return string(appendCanonicalRequest(nil, method, u, hs, body))
}

// stringToSign returns the string to sign for a canonical request and X-Sdk-Date value.
func stringToSign(canonical, sdkDate string) string {
	h := sha256.Sum256([]byte(canonical))
	return signAlgorithm + "\n" + sdkDate + "\n" + hex.EncodeToString(h[:])
}

// signatureHex returns hex(hmac_sha256(sk, stringToSign)).
func signatureHex(sk, sts string) string {
	mac := hmac.New(sha256.New, []byte(sk))
	mac.Write([]byte(sts))
	return hex.EncodeToString(mac.Sum(nil))
}

func appendCanonicalRequest(dst []byte, method string, u *url.URL, hs []header, body []byte) []byte {
	if method == "" {
		method = http.MethodGet
	}
	hs = normalizeHeaders(hs)
	dst = append(dst, method...)
	dst = append(dst, '\n')
	dst = appendCanonicalURI(dst, u.EscapedPath())
	dst = append(dst, '\n')
	dst = appendCanonicalQuery(dst, u.RawQuery)
	dst = append(dst, '\n')
	for _, h := range hs {
		dst = append(dst, h.name...)
		dst = append(dst, ':')
		dst = append(dst, strings.TrimSpace(h.value)...)
		dst = append(dst, '\n')
	}
	dst = append(dst, '\n')
	dst = appendSignedHeaders(dst, hs)
	dst = append(dst, '\n')
	sum := sha256.Sum256(body)
	return hex.AppendEncode(dst, sum[:])
}

// normalizeHeaders returns hs with lower-case names sorted by name, copying only
// when hs is not already in that form (Sign's own list always is).
func normalizeHeaders(hs []header) []header {
	ok := true
	for i, h := range hs {
		if h.name != strings.ToLower(h.name) || (i > 0 && hs[i-1].name >= h.name) {
			ok = false
			break
		}
	}
	if ok {
		return hs
	}
	out := make([]header, len(hs))
	for i, h := range hs {
		out[i] = header{strings.ToLower(h.name), h.value}
	}
	slices.SortStableFunc(out, func(a, b header) int { return strings.Compare(a.name, b.name) })
	return out
}

func appendSignedHeaders(dst []byte, hs []header) []byte {
	for i, h := range hs {
		if i > 0 {
			dst = append(dst, ';')
		}
		dst = append(dst, h.name...)
	}
	return dst
}

// appendCanonicalURI encodes each segment of the escaped path (decoded first, so
// that "%2F" inside a job ID stays one segment) and makes the result end in "/".
func appendCanonicalURI(dst []byte, escapedPath string) []byte {
	start := len(dst)
	rest := escapedPath
	for {
		seg, tail, more := strings.Cut(rest, "/")
		if strings.IndexByte(seg, '%') >= 0 {
			if dec, err := url.PathUnescape(seg); err == nil {
				seg = dec
			}
		}
		dst = appendEscaped(dst, seg)
		if !more {
			break
		}
		dst = append(dst, '/')
		rest = tail
	}
	if len(dst) == start || dst[len(dst)-1] != '/' {
		dst = append(dst, '/')
	}
	return dst
}

type queryPair struct{ key, value string }

// appendCanonicalQuery decodes the raw query and re-encodes it sorted by key, then
// value. A pair that does not decode is kept as its raw text (and so encoded once more),
// which a server rebuilding from the same raw query reproduces.
func appendCanonicalQuery(dst []byte, rawQuery string) []byte {
	if rawQuery == "" {
		return dst
	}
	var buf [8]queryPair
	pairs := buf[:0]
	for rest := rawQuery; rest != ""; {
		var part string
		part, rest, _ = strings.Cut(rest, "&")
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		pairs = append(pairs, queryPair{queryUnescape(k), queryUnescape(v)})
	}
	slices.SortFunc(pairs, func(a, b queryPair) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return strings.Compare(a.value, b.value)
	})
	for i, p := range pairs {
		if i > 0 {
			dst = append(dst, '&')
		}
		dst = appendEscaped(dst, p.key)
		dst = append(dst, '=')
		dst = appendEscaped(dst, p.value)
	}
	return dst
}

func queryUnescape(s string) string {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s
	}
	if dec, err := url.QueryUnescape(s); err == nil {
		return dec
	}
	return s
}

const upperHex = "0123456789ABCDEF"

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

// appendEscaped percent-encodes every byte outside A-Za-z0-9-_.~ with upper-case hex.
func appendEscaped(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			dst = append(dst, c)
			continue
		}
		dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
	}
	return dst
}

func firstValue(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// validHeaderValue rejects what net/http would refuse to send, so that New can
// report a bad credential clearly instead of every request failing obscurely.
func validHeaderValue(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
