package client

import (
	"encoding/json"
	"math"
	"testing"
)

func TestOptInt64_numbersAndStrings(t *testing.T) {
	cases := []struct {
		in     string
		v      int64
		ok     bool
		hasErr bool
	}{
		{`10`, 10, true, false},
		{`"10"`, 10, true, false},
		{`" 10 "`, 10, true, false},
		{`-3`, -3, true, false},
		{`1565149736000`, 1565149736000, true, false},
		{`"1524189990635"`, 1524189990635, true, false},
		{`10.0`, 10, true, false},
		{`1e3`, 1000, true, false},
		{`9223372036854775807`, math.MaxInt64, true, false},
		{`-9223372036854775808`, math.MinInt64, true, false},
		{`null`, 0, false, false},
		{`""`, 0, false, false},
		{`"abc"`, 0, false, true},
		{`10.5`, 0, false, true},
		{`true`, 0, false, true},
		{`{}`, 0, false, true},
		{`9223372036854775808`, 0, false, true},
	}
	for _, tc := range cases {
		var o optInt64
		err := json.Unmarshal([]byte(tc.in), &o)
		if (err != nil) != tc.hasErr || o.v != tc.v || o.ok != tc.ok {
			t.Errorf("%s: got %+v err %v", tc.in, o, err)
		}
	}
}

func TestOptFloat64(t *testing.T) {
	for in, want := range map[string]float64{`1.5`: 1.5, `"2.25"`: 2.25, `3`: 3} {
		var o optFloat64
		if err := json.Unmarshal([]byte(in), &o); err != nil || !o.ok || o.v != want {
			t.Errorf("%s: %+v %v", in, o, err)
		}
	}
	for _, in := range []string{`null`, `""`} {
		var o optFloat64
		if err := json.Unmarshal([]byte(in), &o); err != nil || o.ok {
			t.Errorf("%s: %+v %v", in, o, err)
		}
	}
	for _, in := range []string{`"NaN"`, `"x"`, `[]`} {
		var o optFloat64
		if err := json.Unmarshal([]byte(in), &o); err == nil {
			t.Errorf("%s accepted", in)
		}
	}
}

func TestOptBoolAndString(t *testing.T) {
	var b struct{ A, B, C, D optBool }
	if err := json.Unmarshal([]byte(`{"A":true,"B":"false","C":null}`), &b); err != nil {
		t.Fatal(err)
	}
	if !b.A.ok || !b.A.v || !b.B.ok || b.B.v || b.C.ok || b.D.ok {
		t.Errorf("%+v", b)
	}
	if err := json.Unmarshal([]byte(`{"A":"yes"}`), &b); err == nil {
		t.Error(`"yes" accepted as a boolean`)
	}
	var s struct{ A, B, C, D, E, F optString }
	if err := json.Unmarshal([]byte(`{"A":"plain","B":"esc\"aped\u00e9","C":null,"D":12,"E":"ünï"}`), &s); err != nil {
		t.Fatal(err)
	}
	if s.A.v != "plain" || s.B.v != `esc"apedé` || s.C.ok || !s.D.ok || s.D.v != "12" || s.E.v != "ünï" || s.F.ok {
		t.Errorf("%+v", s)
	}
	if err := json.Unmarshal([]byte(`{"A":{"x":1}}`), &s); err == nil {
		t.Error("object accepted as a string")
	}
}

func TestDecodeListPage_nullJobsAndUnknownFields(t *testing.T) {
	_, p, err := decodeListPage([]byte(`{"is_success":true,"job_total_count":"0","jobs":null,"new_field":{"x":[1,2]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if p.IsSuccess == nil || !*p.IsSuccess || p.JobTotalCount != 0 || p.Jobs == nil || len(p.Jobs) != 0 {
		t.Errorf("%+v", p)
	}
}
