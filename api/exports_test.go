package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/tldcouncil/surveyd/internal/dbtest"
	"github.com/tldcouncil/surveyd/internal/store"
)

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// get sends a GET with headers (name, value, ...) and checks the response
// against openapi.yaml, as do does.
func (h *harness) get(as, path string, header ...string) response {
	h.t.Helper()
	req := httptest.NewRequest("GET", h.expand(path), nil)
	req.Header.Set("Authorization", "Bearer "+h.tokens[as])
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.e.ServeHTTP(rec, req)
	res := response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	h.checkAgainstSpec(req, res)
	return res
}

// table reads a CSV or XLSX export into rows of text.
func table(t *testing.T, r response) [][]string {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("export: %d %s", r.status, r.body)
	}
	if !strings.HasPrefix(r.header.Get("Content-Disposition"), "attachment; filename=") {
		t.Fatalf("Content-Disposition %q", r.header.Get("Content-Disposition"))
	}
	switch ct := r.header.Get("Content-Type"); {
	case strings.HasPrefix(ct, "text/csv"):
		rows, err := csv.NewReader(bytes.NewReader(r.body)).ReadAll()
		if err != nil {
			t.Fatalf("not CSV: %v\n%s", err, r.body)
		}
		return rows
	case ct == xlsxType:
		f, err := excelize.OpenReader(bytes.NewReader(r.body))
		if err != nil {
			t.Fatalf("not XLSX: %v", err)
		}
		defer f.Close()
		rows, err := f.GetRows(f.GetSheetName(0))
		if err != nil {
			t.Fatal(err)
		}
		return rows
	default:
		t.Fatalf("Content-Type %q", ct)
	}
	return nil
}

// cell returns the value of column col in the first row whose columns match
// where (column → value), failing when there is none.
func cell(t *testing.T, rows [][]string, col string, where ...string) string {
	t.Helper()
	idx := map[string]int{}
	for i, name := range rows[0] {
		idx[name] = i
	}
	at := func(row []string, name string) string {
		i, ok := idx[name]
		if !ok {
			t.Fatalf("no column %q in %v", name, rows[0])
		}
		if i >= len(row) {
			return "" // XLSX rows end at their last filled cell
		}
		return row[i]
	}
next:
	for _, row := range rows[1:] {
		for i := 0; i+1 < len(where); i += 2 {
			if at(row, where[i]) != where[i+1] {
				continue next
			}
		}
		return at(row, col)
	}
	t.Fatalf("no row with %v in\n%v", where, rows)
	return ""
}

// surveyWith creates, answers (on the members' behalf) and, unless publish is
// false, closes and publishes a survey, and returns its id.
func surveyWith(h *harness, body string, answers map[string]map[string]any, publish bool) string {
	h.t.Helper()
	ctx := context.Background()
	r := h.do("admin", "POST", "/v1/surveys", body)
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
		if !publish {
			break
		}
		if r := h.do("admin", "POST", "/v1/surveys/"+id+"/"+step, nil); r.status != 200 {
			h.t.Fatalf("%s: %d %s", step, r.status, r.body)
		}
	}
	return id
}

// TestExportResults checks the results file against the results JSON, in
// both formats, suppression, access and the choice of format.
func TestExportResults(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withRegistries(h, "ma", "mb", "mc", "md", "me", "mf", "mg")
		h.run([]step{{name: "a small group", as: "admin", method: "POST", path: "/v1/peer-groups",
			body: `{"key":"pair","name":"Two","members":["ma","mb"]}`, status: 201}})
		id := surveyWith(h, fmt.Sprintf(statsSurvey, "2026"), figures, true)
		h.vars["id"] = id

		for _, format := range []string{"csv", "xlsx"} {
			rows := table(t, h.get("ma", "/v1/surveys/{{id}}/results/export?format="+format))
			if got := strings.Join(rows[0][:7], ","); got != "section,question,prompt,type,n,suppressed,row" {
				t.Fatalf("%s header %q", format, got)
			}
			// Worked out by hand (see figures): algo a 3, b 2, c 1 of 6; ma chose a.
			for opt, want := range map[string]string{"a": "3", "b": "2", "c": "1"} {
				if got := cell(t, rows, "count", "question", "algo", "option", opt); got != want {
					t.Fatalf("%s: algo %s count %s, want %s", format, opt, got, want)
				}
			}
			if got := cell(t, rows, "share", "question", "algo", "option", "a"); got != "0.5" {
				t.Fatalf("%s: share of a %s", format, got)
			}
			if got := strings.ToLower(cell(t, rows, "own_answer", "question", "algo", "option", "a")); got != "true" {
				t.Fatalf("%s: ma chose a, own_answer %q", format, got)
			}
			if got := strings.ToLower(cell(t, rows, "own_answer", "question", "algo", "option", "b")); got != "false" {
				t.Fatalf("%s: ma did not choose b, own_answer %q", format, got)
			}
			// Sizes 10, 20, 30, 40, 50, 100: the true median is 35, but a member reads
			// the middle of a bar wide enough to pin no answer (decision 0010), as the
			// JSON gives it to the same member.
			if got, want := cell(t, rows, "median", "question", "size", "row", "summary"), memberMedian(t, h, "ma", "size"); got != want || got == "35" {
				t.Fatalf("%s: median %s, want the JSON's %s (not the exact 35)", format, got, want)
			}
			if got := cell(t, rows, "own_answer", "question", "size", "row", "summary"); got != "10" {
				t.Fatalf("%s: own size %s", format, got)
			}
			// One note: fewer than k, so blank with the reason, for a member.
			if got := cell(t, rows, "n", "question", "note", "row", "question"); got != "" {
				t.Fatalf("%s: note n %s", format, got)
			}
			if got := cell(t, rows, "suppressed", "question", "note"); !strings.Contains(got, "fewer than 3") {
				t.Fatalf("%s: note suppressed %q", format, got)
			}
		}

		// Suppressed: the pair has 2 respondents, fewer than k = 3.
		rows := table(t, h.get("ma", "/v1/surveys/{{id}}/results/export?peer_group=pair"))
		if got := cell(t, rows, "suppressed", "question", "algo"); !strings.Contains(got, "fewer than 3") {
			t.Fatalf("algo in the pair: suppressed %q", got)
		}
		for _, col := range []string{"n", "option", "count", "share"} {
			if got := cell(t, rows, col, "question", "algo"); got != "" {
				t.Fatalf("a suppressed question has %s %q", col, got)
			}
		}
		// The secretariat sees the pair's figures, live and unsuppressed.
		rows = table(t, h.get("admin", "/v1/surveys/{{id}}/results/export?peer_group=pair"))
		if got := cell(t, rows, "count", "question", "algo", "option", "a"); got != "2" {
			t.Fatalf("the secretariat's pair: a %s", got)
		}
		if got := cell(t, rows, "n", "question", "note"); got != "1" {
			t.Fatalf("the secretariat's pair: note n %s", got)
		}

		// Access: exactly the statuses of the JSON route.
		h.vars["draft"] = surveyWith(h, fmt.Sprintf(statsSurvey, "2027"), nil, false)
		for _, c := range []struct{ as, path string }{
			{"ma", "/v1/surveys/{{id}}/results"},
			{"mg", "/v1/surveys/{{id}}/results"},                         // did not submit: 403
			{"ma", "/v1/surveys/{{draft}}/results"},                      // open, not published: 403
			{"ma", "/v1/surveys/srv_00000000000000000000000000/results"}, // 404
			{"ma", "/v1/surveys/{{id}}/results?peer_group=nobody"},       // 404
			{"ma", "/v1/surveys/{{id}}/results?compare=next"},            // 400
		} {
			want := h.get(c.as, c.path).status
			path := strings.Replace(c.path, "/results", "/results/export", 1)
			if got := h.get(c.as, path).status; got != want {
				t.Fatalf("%s %s: export %d, JSON %d", c.as, path, got, want)
			}
		}

		// Formats: ?format= wins, then Accept by q; nothing acceptable is a 406.
		for _, c := range []struct {
			path, accept, want string
			status             int
		}{
			{"", "", "text/csv", 200},
			{"", "*/*", "text/csv", 200},
			{"", xlsxType, xlsxType, 200},
			{"", "text/csv;q=0.5, " + xlsxType, xlsxType, 200},
			{"", "text/*", "text/csv", 200},
			{"?format=csv", xlsxType, "text/csv", 200},
			{"", "application/json", "", 406},
			{"?format=pdf", "", "", 400},
		} {
			r := h.get("ma", "/v1/surveys/{{id}}/results/export"+c.path, "Accept", c.accept)
			if r.status != c.status || (c.want != "" && !strings.HasPrefix(r.header.Get("Content-Type"), c.want)) {
				t.Fatalf("%s Accept %q: %d %s, want %d %s\n%s", c.path, c.accept, r.status, r.header.Get("Content-Type"), c.status, c.want, r.body)
			}
		}
	})
}

// namedSurvey names its members' answers and has a text question, for the
// answers export.
const namedSurvey = `{
  "title": "Named practices", "edition": "2026", "deadline": "2026-12-31T00:00:00Z",
  "results_policy": {"min_respondents": 3, "visibility": "%s"},
  "sections": [{"key": "all", "title": "All", "questions": [
    {"key": "size", "type": "number", "prompt": "Size"},
    {"key": "tools", "type": "multiple_choice", "prompt": "Tools", "options": [
      {"key": "x", "label": "X"}, {"key": "y", "label": "Y"}]},
    {"key": "signed", "type": "boolean", "prompt": "Signed?"},
    {"key": "note", "type": "text", "prompt": "Note"}
  ]}]
}`

func TestExportAnswers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withRegistries(h, "ma", "mb", "mc", "md")
		answers := map[string]map[string]any{
			"ma": {"size": 10.0, "tools": []any{"x", "y"}, "signed": true, "note": "=HYPERLINK(\"http://evil.example\",\"click\")"},
			"mb": {"size": -5.0, "tools": []any{"y"}, "signed": false, "note": "+1 555 0100"},
			"mc": {"size": 30.0, "note": "@SUM(A1:A9)"},
		}
		h.vars["anon"] = surveyWith(h, fmt.Sprintf(namedSurvey, "anonymous"), answers, true)
		h.vars["named"] = surveyWith(h, fmt.Sprintf(namedSurvey, "named"), answers, true)
		// A draft response: the secretariat's file lists it, members' files do not.
		admin, err := h.store.User(context.Background(), h.vars["admin_id"])
		if err != nil {
			t.Fatal(err)
		}
		h.vars["open"] = surveyWith(h, strings.Replace(fmt.Sprintf(namedSurvey, "named"), `"2026"`, `"2027"`, 1), answers, false)
		if _, err := h.store.SaveAnswers(context.Background(), store.Write{SurveyID: h.vars["open"], Member: "md", Answers: map[string]any{"size": 1.0}, By: admin}); err != nil {
			t.Fatal(err)
		}

		rows := table(t, h.get("admin", "/v1/surveys/{{open}}/answers/export"))
		if got := strings.Join(rows[0], ","); got != "member,status,submitted_at,size,tools.x,tools.y,signed,note" {
			t.Fatalf("keys %q", got)
		}
		if got := strings.Join(rows[1], ","); got != "Member,Status,Submitted at,Size,Tools: X,Tools: Y,Signed?,Note" {
			t.Fatalf("labels %q", got)
		}
		labelsOff := append([][]string{rows[0]}, rows[2:]...)
		if len(labelsOff) != 5 || cell(t, labelsOff, "status", "member", "md") != "draft" {
			t.Fatalf("the secretariat's rows:\n%v", rows)
		}
		if got := cell(t, labelsOff, "submitted_at", "member", "ma"); !strings.HasPrefix(got, "2026-") {
			t.Fatalf("submitted_at %q", got)
		}
		for _, c := range []struct{ member, col, want string }{
			{"ma", "tools.x", "1"}, {"ma", "tools.y", "1"}, {"mb", "tools.x", "0"}, {"mb", "tools.y", "1"},
			{"mc", "tools.x", ""}, {"mb", "size", "-5"}, {"mb", "signed", "false"},
			// CSV injection: text that a spreadsheet would run starts with an apostrophe.
			{"ma", "note", `'=HYPERLINK("http://evil.example","click")`}, {"mb", "note", "'+1 555 0100"}, {"mc", "note", "'@SUM(A1:A9)"},
		} {
			if got := cell(t, labelsOff, c.col, "member", c.member); got != c.want {
				t.Fatalf("%s %s = %q, want %q", c.member, c.col, got, c.want)
			}
		}

		// In XLSX the same text is a plain string cell, never a formula.
		r := h.get("admin", "/v1/surveys/{{open}}/answers/export", "Accept", xlsxType)
		f, err := excelize.OpenReader(bytes.NewReader(r.body))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		sheet := f.GetSheetName(0)
		if sheet != "answers" || !strings.HasSuffix(r.header.Get("Content-Disposition"), "-answers.xlsx") {
			t.Fatalf("sheet %q, %s", sheet, r.header.Get("Content-Disposition"))
		}
		for row := 3; row <= 6; row++ {
			for col := 'A'; col <= 'H'; col++ {
				if formula, err := f.GetCellFormula(sheet, fmt.Sprintf("%c%d", col, row)); err != nil || formula != "" {
					t.Fatalf("%c%d holds formula %q (%v)", col, row, formula, err)
				}
			}
		}
		if v, _ := f.GetCellValue(sheet, "H3"); v != `=HYPERLINK("http://evil.example","click")` {
			t.Fatalf("ma's note in XLSX: %q", v)
		}
		if typ, _ := f.GetCellType(sheet, "H3"); typ != excelize.CellTypeInlineString {
			t.Fatalf("ma's note is not a text cell: %v", typ)
		}
		if typ, _ := f.GetCellType(sheet, "D4"); typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
			t.Fatalf("mb's size is not a number cell: %v", typ)
		}

		// Members: anonymous is the secretariat's; named follows the results' rules.
		h.run([]step{
			{name: "anonymous", as: "ma", method: "GET", path: "/v1/surveys/{{anon}}/answers/export", status: 403},
			{name: "not published", as: "ma", method: "GET", path: "/v1/surveys/{{open}}/answers/export", status: 403},
			{name: "did not submit", as: "md", method: "GET", path: "/v1/surveys/{{named}}/answers/export", status: 403},
			{name: "no such survey", as: "ma", method: "GET", path: "/v1/surveys/srv_00000000000000000000000000/answers/export", status: 404},
			{name: "bad format", as: "admin", method: "GET", path: "/v1/surveys/{{named}}/answers/export?format=ods", status: 400, errors: []string{"format"}},
		})
		rows = table(t, h.get("mb", "/v1/surveys/{{named}}/answers/export"))
		if len(rows) != 5 {
			t.Fatalf("a member of a named survey gets the 3 submitted responses:\n%v", rows)
		}
		if got := cell(t, rows, "submitted_at", "member", "ma"); got != "" {
			t.Fatalf("a member sees when another submitted: %q", got)
		}
		if got := cell(t, rows, "size", "member", "mc"); got != "30" {
			t.Fatalf("mc's size %q", got)
		}
	})
}

// TestExportSeries checks both views of a series' statistics against the trends.
func TestExportSeries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withRegistries(h, "ma", "mb", "mc", "md", "me", "mf")
		h.run([]step{{name: "series", as: "admin", method: "POST", path: "/v1/series", body: monthlyStats, status: 201}})
		month(h, "2026-09", scaled(0.9), true)
		month(h, "2026-10", map[string]int{"ma": 100, "mb": 200}, true) // 2 < k = 3: suppressed for members
		month(h, "2026-11", scaled(1.2), false)

		// The secretariat: per member, every opened edition.
		rows := table(t, h.get("admin", "/v1/series/monthly-stats/export?from=2026-09&to=2026-11"))
		if got := strings.Join(rows[0], ","); got != "period,member,domains,new_registrations" {
			t.Fatalf("keys %q", got)
		}
		if got := strings.Join(rows[1], ","); got != "Period,Member,Domains under management,New registrations" {
			t.Fatalf("labels %q", got)
		}
		data := append([][]string{rows[0]}, rows[2:]...)
		if len(data) != 1+6+2+6 {
			t.Fatalf("rows:\n%v", rows)
		}
		if got := cell(t, data, "domains", "period", "2026-11", "member", "mb"); got != "240" {
			t.Fatalf("mb in November: %s", got)
		}

		// A member of an anonymous series: the aggregates, as the trends give them.
		rows = table(t, h.get("ma", "/v1/series/monthly-stats/export?from=2026-09&to=2026-11", "Accept", xlsxType))
		trend := h.get("ma", "/v1/series/monthly-stats/trends?question=domains&from=2026-09&to=2026-11").json(t)
		points := trend["points"].([]any)
		if len(rows) != 1+2*len(points) {
			t.Fatalf("aggregate rows for %d published periods × 2 metrics:\n%v", len(points), rows)
		}
		for _, p := range points {
			p := p.(map[string]any)
			period := p["period"].(string)
			for col, key := range map[string]string{"n": "n", "total": "total", "median": "median", "member_value": "member_value", "member_share": "member_share"} {
				want := ""
				if v := p[key]; v != nil {
					want = fmt.Sprint(v)
				}
				if got := cell(t, rows, col, "period", period, "metric", "domains"); got != want {
					t.Fatalf("%s %s: export %q, trends %q", period, col, got, want)
				}
			}
		}
		if got := cell(t, rows, "suppressed", "period", "2026-10", "metric", "domains"); !strings.Contains(got, "fewer than 3") {
			t.Fatalf("October is suppressed for members: %q", got)
		}
		if got := cell(t, rows, "member_value", "period", "2026-10", "metric", "domains"); got != "100" {
			t.Fatalf("ma's own October: %q", got)
		}
		h.run([]step{
			{name: "members per member", as: "ma", method: "GET", path: "/v1/series/monthly-stats/export?view=members", status: 403},
			{name: "another member", as: "ma", method: "GET", path: "/v1/series/monthly-stats/export?member=mb", status: 403},
			{name: "bad view", as: "admin", method: "GET", path: "/v1/series/monthly-stats/export?view=pivot", status: 400, errors: []string{"view"}},
			{name: "bad range", as: "admin", method: "GET", path: "/v1/series/monthly-stats/export?from=2026-11&to=2026-09", status: 400, errors: []string{"from"}},
			{name: "no such series", as: "admin", method: "GET", path: "/v1/series/weekly/export", status: 404},
		})
	})
}

// TestExportNamedSeries: a series whose results name the members gives every
// member the per-member view, of the periods it may read as results.
func TestExportNamedSeries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withRegistries(h, "ma", "mb", "mc", "md", "me", "mf")
		named := strings.Replace(monthlyStats, `"min_respondents": 3}`, `"min_respondents": 3, "visibility": "named"}`, 1)
		h.run([]step{{name: "series", as: "admin", method: "POST", path: "/v1/series", body: named, status: 201}})
		month(h, "2026-09", scaled(0.9), true)
		month(h, "2026-10", map[string]int{"ma": 100, "mb": 200}, true)
		month(h, "2026-11", scaled(1.2), false) // not published: members see nothing of it

		rows := table(t, h.get("ma", "/v1/series/monthly-stats/export?from=2026-09&to=2026-11"))
		data := append([][]string{rows[0]}, rows[2:]...)
		if len(data) != 1+6+2 || cell(t, data, "domains", "period", "2026-10", "member", "mb") != "200" {
			t.Fatalf("ma reads September and October:\n%v", rows)
		}
		// mc did not submit in October, whose results are for respondents only.
		rows = table(t, h.get("mc", "/v1/series/monthly-stats/export?from=2026-09&to=2026-11"))
		if len(rows) != 2+6 {
			t.Fatalf("mc reads September only:\n%v", rows)
		}
		for _, row := range rows[2:] {
			if row[0] != "2026-09" {
				t.Fatalf("mc reads %s", row[0])
			}
		}
		h.run([]step{{name: "members lists everyone", as: "ma", method: "GET",
			path: "/v1/series/monthly-stats/export?view=members&peer_group=x", status: 400, errors: []string{"view"}}})
	})
}

// memberMedian is the median of a numeric question as the results JSON gives it
// to the caller, formatted as the exports write numbers.
func memberMedian(t *testing.T, h *harness, as, question string) string {
	t.Helper()
	body := h.get(as, "/v1/surveys/{{id}}/results?question="+question).json(t)
	qs, _ := body["questions"].([]any)
	if len(qs) != 1 {
		t.Fatalf("results of %s: %v", question, body)
	}
	num, _ := qs[0].(map[string]any)["numeric"].(map[string]any)
	median, ok := num["median"].(float64)
	if !ok {
		t.Fatalf("results of %s have no median: %v", question, qs[0])
	}
	return strconv.FormatFloat(median, 'f', -1, 64)
}
