package api_test

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tldcouncil/surveyd/internal/dbtest"
	"github.com/tldcouncil/surveyd/internal/store"
	"github.com/tldcouncil/surveyd/internal/survey"
)

// statsSurvey has one question of each kind that results summarise.
const statsSurvey = `{
  "title": "Registry figures", "series": "figures", "edition": "%s", "deadline": "2026-12-31T00:00:00Z",
  "results_policy": {"min_respondents": 3},
  "sections": [{"key": "all", "title": "All", "questions": [
    {"key": "size", "type": "number", "prompt": "Size"},
    {"key": "signed", "type": "boolean", "prompt": "Signed?"},
    {"key": "algo", "type": "single_choice", "prompt": "Algorithm", "options": [
      {"key": "a", "label": "A"}, {"key": "b", "label": "B"}, {"key": "c", "label": "C"}]},
    {"key": "tools", "type": "multiple_choice", "prompt": "Tools", "options": [
      {"key": "x", "label": "X"}, {"key": "y", "label": "Y"}, {"key": "z", "label": "Z"}]},
    {"key": "score", "type": "scale", "prompt": "Score", "constraints": {"scale_size": 5}},
    {"key": "note", "type": "text", "prompt": "Note"}
  ]}]
}`

// figures are six members' answers, chosen so that the statistics are easy to
// work out by hand (see TestResultsByHand).
var figures = map[string]map[string]any{
	"ma": {"size": 10.0, "signed": true, "algo": "a", "tools": []any{"x", "y"}, "score": 1.0},
	"mb": {"size": 20.0, "signed": true, "algo": "a", "tools": []any{"x"}, "score": 2.0, "note": "hello"},
	"mc": {"size": 30.0, "signed": true, "algo": "a", "tools": []any{"y", "z"}, "score": 3.0},
	"md": {"size": 40.0, "signed": true, "algo": "b", "tools": []any{"x", "z"}, "score": 4.0},
	"me": {"size": 50.0, "signed": false, "algo": "b", "tools": []any{"x"}, "score": 5.0},
	"mf": {"size": 100.0, "signed": false, "algo": "c", "tools": []any{}, "score": 5.0},
}

// publishedEdition creates, answers and publishes one edition with the given
// answers (written by the secretariat on the members' behalf), and returns its id.
func publishedEdition(h *harness, edition string, answers map[string]map[string]any) string {
	h.t.Helper()
	return publishedSurvey(h, fmt.Sprintf(statsSurvey, edition), answers)
}

// publishedSurvey creates the survey of doc, has the secretariat submit the
// answers on the members' behalf, and publishes it.
func publishedSurvey(h *harness, doc string, answers map[string]map[string]any) string {
	h.t.Helper()
	ctx := context.Background()
	r := h.do("admin", "POST", "/v1/surveys", doc)
	if r.status != 201 {
		h.t.Fatalf("create: %d %s", r.status, r.body)
	}
	id := r.json(h.t)["id"].(string)
	if r := h.do("admin", "POST", "/v1/surveys/"+id+"/open", nil); r.status != 200 {
		h.t.Fatalf("open: %d %s", r.status, r.body)
	}
	admin, err := h.store.User(ctx, h.vars["admin_id"])
	if err != nil {
		h.t.Fatal(err)
	}
	for member, a := range answers {
		w := store.Write{SurveyID: id, Member: member, Answers: a, By: admin}
		if _, err := h.store.Submit(ctx, w); err != nil {
			h.t.Fatalf("answers of %s: %v", member, err)
		}
	}
	for _, step := range []string{"close", "publish"} {
		if r := h.do("admin", "POST", "/v1/surveys/"+id+"/"+step, nil); r.status != 200 {
			h.t.Fatalf("%s: %d %s", step, r.status, r.body)
		}
	}
	return id
}

// withRegistries creates members with a viewer token each, named by code.
func withRegistries(h *harness, codes ...string) {
	h.t.Helper()
	ctx := context.Background()
	for _, code := range codes {
		if _, err := h.store.CreateMember(ctx, survey.Member{Code: code, Name: strings.ToUpper(code), Country: "DK",
			Membership: survey.MembershipFull, Active: true}); err != nil {
			h.t.Fatal(err)
		}
		u, err := h.store.CreateUser(ctx, survey.User{Email: code + "@example.org", Role: survey.RoleViewer, Member: code})
		if err != nil {
			h.t.Fatal(err)
		}
		_, secret, err := h.store.CreateToken(ctx, u.ID, "test", nil)
		if err != nil {
			h.t.Fatal(err)
		}
		h.tokens[code] = secret
	}
}

func questionOf(t *testing.T, doc map[string]any, key string) map[string]any {
	t.Helper()
	for _, q := range doc["questions"].([]any) {
		if m := q.(map[string]any); m["key"] == key {
			return m
		}
	}
	t.Fatalf("no question %s in %v", key, doc)
	return nil
}

// TestResultsByHand runs the same answers through both databases and compares
// every figure with one worked out by hand.
func TestResultsByHand(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withRegistries(h, "ma", "mb", "mc", "md", "me", "mf", "mg")
		id := publishedEdition(h, "2026", figures)
		r := h.do("ma", "GET", "/v1/surveys/"+id+"/results", nil)
		if r.status != 200 {
			t.Fatalf("results: %d %s", r.status, r.body)
		}
		member := r.json(t)
		// The exact figures are the secretariat's; members see them coarsened
		// (checked below and in internal/attack).
		r = h.do("admin", "GET", "/v1/surveys/"+id+"/results", nil)
		doc := r.json(t)
		if doc["respondents"] != 6.0 {
			t.Fatalf("respondents %v, want 6", doc["respondents"])
		}
		// size: 10 20 30 40 50 100. Mean 250/6; quartiles by linear interpolation
		// between ranks: position p·(n−1) = 1.25, 2.5, 3.75.
		size := questionOf(t, doc, "size")
		num := size["numeric"].(map[string]any)
		for field, want := range map[string]float64{"mean": 41.666667, "q1": 22.5, "median": 35, "q3": 47.5} {
			if got := num[field].(float64); math.Abs(got-want) > 1e-9 {
				t.Errorf("size %s = %v, want %v", field, got, want)
			}
		}
		// Edges widened by a twentieth of the span and rounded, 5..105, in ten bins of 10:
		// one value in each of the first five, 100 in the last.
		var counts []int
		for _, b := range num["histogram"].([]any) {
			counts = append(counts, int(b.(map[string]any)["count"].(float64)))
		}
		if fmt.Sprint(counts) != "[1 1 1 1 1 0 0 0 0 1]" {
			t.Errorf("size histogram %v", counts)
		}
		bins := num["histogram"].([]any)
		if from, to := bins[0].(map[string]any)["from"], bins[9].(map[string]any)["to"]; from != 5.0 || to != 105.0 {
			t.Errorf("histogram edges %v..%v, want 5..105", from, to)
		}
		// A member sees the mean, and bars of at least k = 3: 10..100 binned in
		// widths of 20 (a fifth of the span, rounded up), merged to [0, 40) and
		// [40, 120); the quartiles are the middles of the bars that hold them.
		msize := questionOf(t, member, "size")
		mnum := msize["numeric"].(map[string]any)
		if got := fmt.Sprint(mnum["mean"], mnum["q1"], mnum["median"], mnum["q3"]); got != "41.666667 20 20 80" {
			t.Errorf("a member's mean and quartiles %s, want 41.666667 20 20 80", got)
		}
		if got := fmt.Sprint(mnum["histogram"]); got != "[map[count:3 from:0 to:40] map[count:3 from:40 to:120]]" {
			t.Errorf("a member's bars %s", got)
		}
		// ma answered 10, in the lower bar: half of that bar below, of six.
		if got := msize["own"].(map[string]any)["percentile_rank"].(float64); math.Abs(got-0.25) > 1e-9 {
			t.Errorf("ma's percentile rank %v, want 0.25", got)
		}
		want := map[string]string{
			"signed": "true:4:0.666667 false:2:0.333333",
			"algo":   "a:3:0.5 b:2:0.333333 c:1:0.166667",
			"tools":  "x:4:0.666667 y:2:0.333333 z:2:0.333333",
			"score":  "1:1:0.166667 2:1:0.166667 3:1:0.166667 4:1:0.166667 5:2:0.333333",
		}
		for key, w := range want {
			var got []string
			for _, o := range questionOf(t, member, key)["options"].([]any) {
				m := o.(map[string]any)
				got = append(got, fmt.Sprintf("%v:%v:%v", m["key"], m["count"], m["share"]))
			}
			if strings.Join(got, " ") != w {
				t.Errorf("%s options %s, want %s", key, strings.Join(got, " "), w)
			}
		}
		// Option keys are typed as the answers: booleans, scale points as numbers.
		if k := questionOf(t, member, "signed")["options"].([]any)[0].(map[string]any)["key"]; k != true {
			t.Errorf("a boolean's first option key is %#v, want true", k)
		}
		if k := questionOf(t, member, "score")["options"].([]any)[0].(map[string]any)["key"]; k != 1.0 {
			t.Errorf("a scale's first option key is %#v, want 1", k)
		}
		// ma chose a, like two others; x and y, like three and one others.
		if got := fmt.Sprint(questionOf(t, member, "algo")["own"].(map[string]any)["same_choice"]); got != "map[a:2]" {
			t.Errorf("algo same_choice %s", got)
		}
		if got := fmt.Sprint(questionOf(t, member, "tools")["own"].(map[string]any)["same_choice"]); got != "map[x:3 y:1]" {
			t.Errorf("tools same_choice %s", got)
		}
		// One text answer is fewer than k: suppressed, and n is not shown.
		if note := questionOf(t, member, "note"); note["suppressed"] == nil || note["n"] != nil {
			t.Errorf("a text answered once is shown: %v", note)
		}
		if strings.Contains(string(r.body), "hello") {
			t.Error("an anonymous survey shows a text answer")
		}
	})
}

func TestResultsAccessAndComparison(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withRegistries(h, "ma", "mb", "mc", "md", "me", "mf", "mg")
		first := publishedEdition(h, "2025", figures)
		h.vars["first"] = first
		later := map[string]map[string]any{}
		for m, a := range figures {
			b := map[string]any{}
			for k, v := range a {
				b[k] = v
			}
			b["size"] = a["size"].(float64) + 10
			b["signed"] = m < "md" // three of six now, four then: all of them, or all but one, would be unanimous
			later[m] = b
		}
		second := publishedEdition(h, "2026", later)
		h.vars["second"] = second
		h.run([]step{
			{name: "no previous edition", as: "ma", method: "GET", path: "/v1/surveys/{{first}}/results?compare=previous", status: 200,
				want: map[string]any{"comparison": nil, "notes.0": "there is no earlier edition of this series to compare with"}},
			{name: "compared with 2025", as: "ma", method: "GET", path: "/v1/surveys/{{second}}/results?compare=previous&question=size", status: 200,
				want: map[string]any{"comparison.edition": "2025", "questions.0.previous.numeric.mean": 41.666667, "questions.0.change.mean": 10}},
			{name: "shares compared", as: "ma", method: "GET", path: "/v1/surveys/{{second}}/results?compare=previous&question=signed", status: 200,
				want: map[string]any{"questions.0.change.shares.true": -0.166667, "questions.0.change.shares.false": 0.166667}},
			{name: "one question", as: "ma", method: "GET", path: "/v1/surveys/{{second}}/results?question=algo", status: 200,
				check: func(t *testing.T, h *harness, r response) {
					if n := len(r.json(t)["questions"].([]any)); n != 1 {
						t.Fatalf("%d questions, want 1", n)
					}
				}},
			{name: "an unknown question", as: "ma", method: "GET", path: "/v1/surveys/{{second}}/results?question=colour", status: 404},
			{name: "an unknown peer group", as: "ma", method: "GET", path: "/v1/surveys/{{second}}/results?peer_group=atlantis", status: 404},
			{name: "a bad comparison", as: "ma", method: "GET", path: "/v1/surveys/{{second}}/results?compare=next", status: 400},
			{name: "a member that did not respond", as: "mg", method: "GET", path: "/v1/surveys/{{second}}/results", status: 403},
			{name: "allow non-respondents", as: "admin", method: "PATCH", path: "/v1/surveys/{{second}}", body: `{"results_policy":{"respondents_only":false}}`, status: 200},
			{name: "now it may look", as: "mg", method: "GET", path: "/v1/surveys/{{second}}/results", status: 200},
			{name: "but not at the previous edition, which it did not answer", as: "mg", method: "GET", path: "/v1/surveys/{{second}}/results?compare=previous", status: 200,
				want: map[string]any{"comparison": nil, "notes.0": "the results of the previous edition are not available to your member"}},
		})
		// Before publication: the secretariat sees live results, members do not.
		r := h.do("admin", "POST", "/v1/surveys", fmt.Sprintf(statsSurvey, "2027"))
		h.vars["live"] = r.json(t)["id"].(string)
		h.run([]step{
			{name: "open", as: "admin", method: "POST", path: "/v1/surveys/{{live}}/open", status: 200},
			{name: "a number too large to sum", as: "admin", method: "PATCH", path: "/v1/surveys/{{live}}/responses/ma", body: `{"answers":{"size":1.7e308}}`, status: 422,
				errors: []string{"answers.size"}},
			{name: "one answer", as: "admin", method: "PATCH", path: "/v1/surveys/{{live}}/responses/ma", body: `{"answers":{"size":5}}`, status: 200},
			{name: "submit", as: "admin", method: "POST", path: "/v1/surveys/{{live}}/responses/ma/submit", status: 200},
			{name: "live, unsuppressed, for the secretariat", as: "admin", method: "GET", path: "/v1/surveys/{{live}}/results?question=size", status: 200,
				want: map[string]any{"questions.0.n": 1, "questions.0.numeric.median": 5, "questions.0.suppressed": nil}},
			{name: "members wait for publication", as: "ma", method: "GET", path: "/v1/surveys/{{live}}/results", status: 403},
		})
	})
}

// TestResultsResistDifferencing attacks the peer group filter: a member reads the
// results of every peer group and of all respondents, and tries to recover one
// member's answer by subtracting one allowed aggregate from another.
func TestResultsResistDifferencing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		codes := []string{"ma", "mb", "mc", "md", "me", "mf", "mg", "mh", "mi", "mj", "mk", "ml"}
		withRegistries(h, codes...)
		answers := map[string]map[string]any{}
		for i, c := range codes {
			answers[c] = map[string]any{"size": float64(10 * (i + 1)), "signed": i%3 != 0}
		}
		// Groups that invite differencing: pairs one member apart, a group whose rest
		// is small, a group that is everyone, and two that are far apart.
		groups := map[string][]string{
			"first6":    codes[:6],
			"first7":    codes[:7],
			"first10":   codes[:10],
			"all12":     codes,
			"last6":     codes[6:],
			"middle5":   codes[3:8],
			"middle6":   codes[3:9],
			"evens":     {"ma", "mc", "me", "mg", "mi", "mk"},
			"evensplus": {"ma", "mc", "me", "mg", "mi", "mk", "mb"},
		}
		ctx := context.Background()
		for key, members := range groups {
			if _, err := h.store.CreatePeerGroup(ctx, survey.PeerGroup{Key: key, Name: key, Members: members}); err != nil {
				t.Fatal(err)
			}
		}
		id := publishedEdition(h, "2026", answers)

		type seen struct {
			group   string
			members []string
			sum     float64
			n       int
		}
		var allowed []seen
		scopes := map[string][]string{"": codes}
		for k, v := range groups {
			scopes[k] = v
		}
		for group, members := range scopes {
			path := "/v1/surveys/" + id + "/results?question=size"
			if group != "" {
				path += "&peer_group=" + group
			}
			r := h.do("ma", "GET", path, nil)
			if r.status != 200 {
				t.Fatalf("%s: %d %s", path, r.status, r.body)
			}
			q := r.json(t)["questions"].([]any)[0].(map[string]any)
			if q["suppressed"] != nil {
				continue
			}
			n := int(q["n"].(float64))
			mean := q["numeric"].(map[string]any)["mean"].(float64)
			allowed = append(allowed, seen{group: group, members: members, sum: mean * float64(n), n: n})
		}
		if len(allowed) < 3 {
			t.Fatalf("only %d aggregates were shown; the test would prove nothing", len(allowed))
		}
		// Changing a group after publication changes nothing a member can see: the
		// results keep the group as it was, so before and after cannot be subtracted.
		shown := ""
		for _, a := range allowed {
			if a.group != "" && len(a.members) < len(codes) {
				shown = a.group
				break
			}
		}
		if shown == "" {
			t.Fatal("no peer group smaller than all is shown; the test would prove nothing")
		}
		outsider := difference(codes, groups[shown])[0]
		path := "/v1/surveys/" + id + "/results?question=size&peer_group=" + shown
		before := h.do("ma", "GET", path, nil)
		h.run([]step{
			{name: "add a member to a shown group", as: "admin", method: "PUT", path: "/v1/peer-groups/" + shown,
				body: map[string]any{"name": shown, "members": append([]string{outsider}, groups[shown]...)}, status: 200},
			{name: "a group made after publication", as: "admin", method: "POST", path: "/v1/peer-groups",
				body: map[string]any{"key": "late", "name": "late", "members": codes[:9]}, status: 201},
			{name: "is not there for the published results", as: "ma", method: "GET", path: "/v1/surveys/" + id + "/results?peer_group=late", status: 404},
			{name: "but is for the secretariat's live view", as: "admin", method: "GET", path: "/v1/surveys/" + id + "/results?question=size&peer_group=late", status: 200,
				want: map[string]any{"questions.0.n": 9}},
		})
		after := h.do("ma", "GET", path, nil)
		if fmt.Sprint(before.json(t)["questions"]) != fmt.Sprint(after.json(t)["questions"]) {
			t.Fatalf("the group's result moved with the group:\nbefore %s\nafter  %s", before.body, after.body)
		}
		k := 3 // the survey's min_respondents
		for i := range allowed {
			for j := range allowed {
				a, b := allowed[i], allowed[j]
				onlyA := difference(a.members, b.members)
				// b within a: a − b is the total of the members only in a.
				if len(onlyA) > 0 && len(onlyA) < k && len(difference(b.members, a.members)) == 0 {
					t.Errorf("two allowed aggregates differ by %v: %d members, fewer than k", onlyA, len(onlyA))
				}
				if len(onlyA) == 1 && len(difference(b.members, a.members)) == 0 {
					value := a.sum - b.sum
					t.Errorf("subtracting recovers %s's answer: %v", onlyA[0], value)
				}
			}
		}
	})
}

func difference(a, b []string) []string {
	in := map[string]bool{}
	for _, x := range b {
		in[x] = true
	}
	var out []string
	for _, x := range a {
		if !in[x] {
			out = append(out, x)
		}
	}
	sort.Strings(out)
	return out
}

// TestDisclosureWarnings: a peer group that leaves a small piece of the
// membership is saved with a warning, and publishing says what is suppressed.
func TestDisclosureWarnings(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withRegistries(h, "ma", "mb", "mc", "md", "me", "mf", "mg", "mh", "mi", "mj")
		h.run([]step{
			{name: "a group of half the members", as: "admin", method: "POST", path: "/v1/peer-groups",
				body: map[string]any{"key": "half", "name": "half", "members": []string{"ma", "mb", "mc", "md", "me"}}, status: 201,
				check: func(t *testing.T, h *harness, r response) {
					if w := r.json(t)["warnings"]; w != nil {
						t.Fatalf("two pieces of five, yet warnings %v", w)
					}
				}},
			{name: "a group that leaves two members apart", as: "admin", method: "POST", path: "/v1/peer-groups",
				body: map[string]any{"key": "most", "name": "most", "members": []string{"ma", "mb", "mc", "md", "me", "mf", "mg", "mh"}}, status: 201,
				check: func(t *testing.T, h *harness, r response) {
					w := fmt.Sprint(r.json(t)["warnings"])
					if !strings.Contains(w, "2 in no group") || !strings.Contains(w, "3 in most only") {
						t.Fatalf("warnings %s, want the pieces named", w)
					}
				}},
			{name: "taken back", as: "admin", method: "DELETE", path: "/v1/peer-groups/most", status: 204},
		})
		// Everyone answers "signed" the same: unanimous, even over all members.
		same := map[string]map[string]any{}
		for m, a := range figures {
			b := map[string]any{}
			for k, v := range a {
				b[k] = v
			}
			b["signed"] = true
			same[m] = b
		}
		r := h.do("admin", "POST", "/v1/surveys", fmt.Sprintf(statsSurvey, "2026"))
		id := r.json(t)["id"].(string)
		h.vars["w"] = id
		h.run([]step{{name: "open", as: "admin", method: "POST", path: "/v1/surveys/{{w}}/open", status: 200}})
		admin, err := h.store.User(context.Background(), h.vars["admin_id"])
		if err != nil {
			t.Fatal(err)
		}
		for member, a := range same {
			if _, err := h.store.Submit(context.Background(), store.Write{SurveyID: id, Member: member, Answers: a, By: admin}); err != nil {
				t.Fatal(err)
			}
		}
		h.run([]step{
			{name: "close", as: "admin", method: "POST", path: "/v1/surveys/{{w}}/close", status: 200},
			{name: "publish says what is suppressed", as: "admin", method: "POST", path: "/v1/surveys/{{w}}/publish", status: 200,
				check: func(t *testing.T, h *harness, r response) {
					d := r.json(t)["disclosure"].(map[string]any)
					byCode := d["by_code"].(map[string]any)
					if byCode["unanimous"] == nil || d["suppressed"].(float64) < 1 {
						t.Fatalf("disclosure %v, want signed unanimous", d)
					}
					if w := fmt.Sprint(d["warnings"]); !strings.Contains(w, "signed") {
						t.Fatalf("warnings %s, want signed named", w)
					}
				}},
			{name: "and members read the code", as: "ma", method: "GET", path: "/v1/surveys/{{w}}/results?question=signed", status: 200,
				want: map[string]any{"questions.0.code": "unanimous", "questions.0.n": nil}},
			{name: "the groups a member may filter by", as: "ma", method: "GET", path: "/v1/surveys/{{w}}/results/peer-groups", status: 200,
				want: map[string]any{"peer_groups.0.key": "half", "peer_groups.0.members": 5, "peer_groups.0.respondents": 5},
				check: func(t *testing.T, h *harness, r response) {
					g := r.json(t)["peer_groups"].([]any)[0].(map[string]any)
					if g["shown"].(float64)+g["suppressed"].(float64) != 5 { // size, signed, algo, tools, score
						t.Fatalf("half: %v, want five questions counted", g)
					}
				}},
			{name: "a member that did not respond may not", as: "mg", method: "GET", path: "/v1/surveys/{{w}}/results/peer-groups", status: 403},
			{name: "over the group too", as: "ma", method: "GET", path: "/v1/surveys/{{w}}/results?question=size&peer_group=half", status: 200,
				check: func(t *testing.T, h *harness, r response) {
					q := r.json(t)["questions"].([]any)[0].(map[string]any)
					if (q["code"] == nil) == (q["n"] == nil) {
						t.Fatalf("code %v and n %v: exactly one must be null", q["code"], q["n"])
					}
				}},
		})
	})
}

// TestPublicationOutlivesTheWriteTimeout: a publication runs the disclosure
// audit before it answers, which for a large edition takes longer than the
// server's write timeout; the answer still reaches the client. The server here
// has a write timeout of a nanosecond, which any other answer misses.
func TestPublicationOutlivesTheWriteTimeout(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withRegistries(h, "ma", "mb", "mc", "md", "me", "mf", "mg")
		srv := httptest.NewUnstartedServer(h.e)
		srv.Config.WriteTimeout = time.Nanosecond
		srv.Start()
		defer srv.Close()
		call := func(method, path string) (int, error) {
			req, err := http.NewRequest(method, srv.URL+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+h.tokens["admin"])
			res, err := srv.Client().Do(req)
			if err != nil {
				return 0, err
			}
			defer res.Body.Close()
			_, err = io.ReadAll(res.Body)
			return res.StatusCode, err
		}
		r := h.do("admin", "POST", "/v1/surveys", fmt.Sprintf(statsSurvey, "2026"))
		id := r.json(t)["id"].(string)
		if r := h.do("admin", "POST", "/v1/surveys/"+id+"/open", nil); r.status != 200 {
			t.Fatalf("open: %d %s", r.status, r.body)
		}
		admin, err := h.store.User(context.Background(), h.vars["admin_id"])
		if err != nil {
			t.Fatal(err)
		}
		for member, a := range figures {
			if _, err := h.store.Submit(context.Background(), store.Write{SurveyID: id, Member: member, Answers: a, By: admin}); err != nil {
				t.Fatal(err)
			}
		}
		if r := h.do("admin", "POST", "/v1/surveys/"+id+"/close", nil); r.status != 200 {
			t.Fatalf("close: %d %s", r.status, r.body)
		}
		// Any other answer misses it: the timeout bites.
		missed := 0
		for range 3 {
			if _, err := call("GET", "/v1/surveys/"+id+"/results"); err != nil {
				missed++
			}
		}
		if missed == 0 {
			t.Fatal("every results read beat a write timeout of 1 ns: this test shows nothing")
		}
		if status, err := call("POST", "/v1/surveys/"+id+"/publish"); err != nil || status != 200 {
			t.Fatalf("publish behind a write timeout of 1 ns: %d, %v", status, err)
		}
	})
}
