package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode"
)

// encoding/json keeps the last of two members with the same name and matches names
// case-insensitively, with Unicode simple folding ("Job_ID" lands on job_id, and
// "ſtatus" with a long s on status), so a body such as {"job_id": 8992, "Job_ID": 777}
// decodes as job 777. checkKeys refuses such bodies before their values are trusted. It runs
// after json.Unmarshal has accepted the body, so the bytes are known to be valid JSON;
// it still never reads past the end of data, whatever data holds.

// inlineKeys is how many member names checkObject compares pairwise without
// allocating; an object with more (no ModelArts object has 20) is checked with a map.
const inlineKeys = 32

// errDuplicateKey is wrapped by the error for an object with two members whose
// names encoding/json would not tell apart.
var errDuplicateKey = errors.New("duplicate key")

// checkKeys checks the top-level object of data and, when listKey is not "", each
// object element of the array that the member named listKey holds (the "jobs" of a
// list page). Anything that is not an object is left alone: the decoder has already
// accepted or refused it.
func checkKeys(data []byte, listKey string) error {
	list, err := checkObject(data, listKey)
	if err != nil || list == nil {
		return err
	}
	s := scanner{data: list}
	s.ws()
	if !s.consume('[') {
		return nil
	}
	for i := 0; ; i++ {
		s.ws()
		if s.consume(']') || s.pos >= len(s.data) {
			return nil
		}
		start := s.pos
		s.skipValue()
		if _, err := checkObject(s.data[start:s.pos], ""); err != nil {
			return fmt.Errorf("%s[%d]: %w", listKey, i, err)
		}
		s.ws()
		s.consume(',')
	}
}

// checkObject refuses an object of data with two members whose names fold to the
// same name, and returns the value of the member named want ("" for none).
func checkObject(data []byte, want string) (wanted []byte, err error) {
	var inline [inlineKeys]keyRef
	keys := inline[:0]
	var seen map[string][]byte // past inlineKeys: folded name -> name
	s := scanner{data: data}
	s.ws()
	if !s.consume('{') {
		return nil, nil
	}
	for s.pos < len(s.data) {
		s.ws()
		if s.consume('}') || s.pos >= len(s.data) || s.data[s.pos] != '"' {
			break
		}
		key := s.skipString()
		if bytes.IndexByte(key, '\\') >= 0 {
			var k string
			if json.Unmarshal(key, &k) != nil {
				return nil, nil // not valid JSON after all: the decoder's business
			}
			key = []byte(k)
		} else if len(key) >= 2 {
			key = key[1 : len(key)-1]
		}
		if seen == nil && len(keys) == inlineKeys {
			seen = make(map[string][]byte, 2*inlineKeys)
			for _, k := range keys {
				seen[foldKey(k.name)] = k.name
			}
		}
		if seen != nil {
			f := foldKey(key)
			if prev, dup := seen[f]; dup {
				return nil, duplicateKey(prev, key)
			}
			seen[f] = key
		} else {
			k := newKeyRef(key)
			for _, prev := range keys {
				if prev.mayFold(k) && bytes.EqualFold(prev.name, key) {
					return nil, duplicateKey(prev.name, key)
				}
			}
			keys = append(keys, k)
		}
		s.ws()
		s.consume(':')
		s.ws()
		start := s.pos
		s.skipValue()
		if want != "" && bytes.EqualFold(key, []byte(want)) {
			wanted = s.data[start:s.pos]
		}
		s.ws()
		s.consume(',')
	}
	return wanted, nil
}

// keyRef is a member name with what makes most comparisons cheap.
type keyRef struct {
	name  []byte
	ascii bool
	first byte // the first byte, lower-cased when ASCII
}

func newKeyRef(name []byte) keyRef {
	k := keyRef{name: name, ascii: true}
	for _, c := range name {
		if c >= utf8RuneSelf {
			k.ascii = false
			break
		}
	}
	if len(name) > 0 {
		k.first = lowerASCII(name[0])
	}
	return k
}

// mayFold is a quick test before bytes.EqualFold: two ASCII names of different
// lengths or first letters never fold together. (A non-ASCII rune can fold to one of
// another length: the Kelvin sign to k, the long s to s.)
func (k keyRef) mayFold(o keyRef) bool {
	if k.ascii && o.ascii {
		return len(k.name) == len(o.name) && k.first == o.first
	}
	return true
}

const utf8RuneSelf = 0x80

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func duplicateKey(first, second []byte) error {
	if bytes.Equal(first, second) {
		return fmt.Errorf("%w %s", errDuplicateKey, quoteSnippet(first))
	}
	return fmt.Errorf("%w %s (also given as %s, which the decoder does not tell apart)", errDuplicateKey, quoteSnippet(first), quoteSnippet(second))
}

// foldKey is the name under which encoding/json matches key: every rune replaced by
// the smallest rune of its simple-fold orbit, which is what bytes.EqualFold compares.
func foldKey(key []byte) string {
	b := make([]byte, 0, len(key))
	for _, r := range string(key) {
		b = append(b, string(foldRune(r))...)
	}
	return string(b)
}

// foldRune returns the smallest rune of r's simple-fold orbit (as encoding/json does).
func foldRune(r rune) rune {
	for {
		r2 := unicode.SimpleFold(r)
		if r2 <= r {
			return r2
		}
		r = r2
	}
}

// scanner walks valid JSON without decoding it.
type scanner struct {
	data []byte
	pos  int
}

func (s *scanner) ws() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\r', '\n':
			s.pos++
		default:
			return
		}
	}
}

func (s *scanner) consume(c byte) bool {
	if s.pos < len(s.data) && s.data[s.pos] == c {
		s.pos++
		return true
	}
	return false
}

// skipString skips the string literal at s.pos and returns it, quotes included.
func (s *scanner) skipString() []byte {
	start := s.pos
	s.pos++ // opening quote
	for s.pos < len(s.data) {
		i := bytes.IndexByte(s.data[s.pos:], '"')
		if i < 0 {
			break
		}
		end := s.pos + i
		// The quote is escaped when an odd number of backslashes precede it.
		n := 0
		for j := end - 1; j > start && s.data[j] == '\\'; j-- {
			n++
		}
		s.pos = end + 1
		if n%2 == 0 {
			return s.data[start:s.pos]
		}
	}
	s.pos = len(s.data)
	return s.data[start:]
}

// skipValue skips the value at s.pos: a string, an object or array (nested to any
// depth), or a number or literal.
func (s *scanner) skipValue() {
	if s.pos >= len(s.data) {
		return
	}
	switch s.data[s.pos] {
	case '"':
		s.skipString()
	case '{', '[':
		depth := 0
		for s.pos < len(s.data) {
			switch s.data[s.pos] {
			case '"':
				s.skipString()
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					s.pos++
					return
				}
			}
			s.pos++
		}
	default:
		for s.pos < len(s.data) {
			switch s.data[s.pos] {
			case ',', '}', ']', ' ', '\t', '\r', '\n':
				return
			}
			s.pos++
		}
	}
}
