package api_test

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/xuri/excelize/v2"

	"github.com/tldcouncil/surveyd/internal/dbtest"
)

// translatedSurvey is dnssecSurvey with French and German texts.
func translatedSurvey(t *testing.T) string {
	return withSurvey(t, func(doc map[string]any) {
		sec := doc["sections"].([]any)[0].(map[string]any)
		sec["title_translations"] = map[string]any{"fr": "Signature de la zone"}
		q := question(doc, 0, 0)
		q["prompt_translations"] = map[string]any{"fr": "La zone est-elle signée ?", "de": "Ist die Zone signiert?"}
		q["help"] = "DNSSEC, not just a key."
		q["help_translations"] = map[string]any{"fr": "DNSSEC, pas seulement une clé."}
		opt := question(doc, 0, 2)["options"].([]any)[1].(map[string]any)
		opt["label_translations"] = map[string]any{"fr": "ECDSA P-256 (13), recommandé"}
	})
}

// send makes a request with a body of the given content type and checks the
// response against openapi.yaml.
func (h *harness) send(as, method, path, contentType string, body []byte, header map[string]string) response {
	h.t.Helper()
	req := httptest.NewRequest(method, h.expand(path), bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	req.Header.Set("Authorization", "Bearer "+h.tokens[as])
	rec := httptest.NewRecorder()
	h.e.ServeHTTP(rec, req)
	res := response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	h.checkAgainstSpec(req, res)
	return res
}

func expectStatus(t *testing.T, name string, r response, status int, fields ...string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: status %d, want %d\n%s", name, r.status, status, r.body)
	}
	for _, f := range fields {
		if !problemNames(r.json(t), f) {
			t.Fatalf("%s: the problem does not name %q\n%s", name, f, r.body)
		}
	}
}

// sectionsOf returns the sections of a survey response as JSON, to compare two surveys.
func sectionsOf(t *testing.T, r response) any {
	t.Helper()
	return r.json(t)["sections"]
}

func TestSurveyLanguages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withMembers(h)
		h.run([]step{
			{name: "a survey with translations", as: "admin", method: "POST", path: "/v1/surveys", body: translatedSurvey(t), status: 201,
				want: map[string]any{"language": "en", "languages": "[en de fr]", "sections.0.questions.0.prompt_translations.de": "Ist die Zone signiert?"},
				save: map[string]string{"id": "id"}},
			{name: "English by default", as: "admin", method: "GET", path: "/v1/surveys/{{id}}", status: 200,
				want: map[string]any{"language": "en", "sections.0.questions.0.prompt": "Is the TLD zone signed?", "sections.0.title": "Zone signing"}},
			{name: "French by ?lang=", as: "admin", method: "GET", path: "/v1/surveys/{{id}}?lang=fr", status: 200,
				want: map[string]any{"language": "fr", "sections.0.questions.0.prompt": "La zone est-elle signée ?",
					"sections.0.questions.0.help": "DNSSEC, pas seulement une clé.", "sections.0.title": "Signature de la zone",
					"sections.0.questions.2.options.1.label": "ECDSA P-256 (13), recommandé",
					// no French: English, text by text
					"sections.0.questions.1.prompt": "Since which year?", "sections.0.questions.2.options.0.label": "RSA/SHA-256 (8)",
					// the translations stay whole, English in them never
					"sections.0.questions.0.prompt_translations.fr": "La zone est-elle signée ?"},
				check: func(t *testing.T, h *harness, r response) {
					if r.header.Get("Content-Language") != "fr" || !strings.Contains(strings.Join(r.header.Values("Vary"), ","), "Accept-Language") {
						t.Fatalf("headers %v", r.header)
					}
				}},
			{name: "a regional variant of a language it has", as: "admin", method: "GET", path: "/v1/surveys/{{id}}?lang=FR-CH", status: 200,
				want: map[string]any{"language": "fr", "sections.0.questions.0.prompt": "La zone est-elle signée ?"}},
			{name: "a language the survey has not", as: "admin", method: "GET", path: "/v1/surveys/{{id}}?lang=ja", status: 200,
				want: map[string]any{"language": "en", "sections.0.questions.0.prompt": "Is the TLD zone signed?"}},
			{name: "not a language tag", as: "admin", method: "GET", path: "/v1/surveys/{{id}}?lang=fr_FR!", status: 400, errors: []string{"lang"}},
			{name: "a translation of English", as: "admin", method: "POST", path: "/v1/surveys", status: 422,
				body:   withSurvey(t, func(doc map[string]any) { question(doc, 0, 0)["prompt_translations"] = map[string]any{"en": "Signed?"} }),
				errors: []string{"sections[0].questions[0].prompt_translations.en"}},
		})
		for _, tc := range []struct{ header, want, prompt string }{
			{"de-CH, fr;q=0.5", "de", "Ist die Zone signiert?"},
			{"fr-BE,fr;q=0.9,en;q=0.8", "fr", "La zone est-elle signée ?"},
			{"ja, ko;q=0.5", "en", "Is the TLD zone signed?"},
			{"!!garbage;;", "en", "Is the TLD zone signed?"},
		} {
			r := h.send("admin", "GET", "/v1/surveys/{{id}}", "", nil, map[string]string{"Accept-Language": tc.header})
			expectStatus(t, tc.header, r, 200)
			doc := r.json(t)
			if got, _ := lookup(doc, "sections.0.questions.0.prompt"); doc["language"] != tc.want || got != tc.prompt {
				t.Fatalf("Accept-Language %q: language %v, prompt %v", tc.header, doc["language"], got)
			}
		}
		// ?lang= wins over Accept-Language.
		r := h.send("admin", "GET", "/v1/surveys/{{id}}?lang=fr", "", nil, map[string]string{"Accept-Language": "de"})
		if r.json(t)["language"] != "fr" {
			t.Fatalf("?lang=fr with Accept-Language de: %s", r.body)
		}
	})
}

func TestSurveyFormats(t *testing.T) {
	openapi3filter.RegisterBodyDecoder(xlsxType, openapi3filter.FileBodyDecoder)
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withMembers(h)
		orig := h.do("admin", "POST", "/v1/surveys", translatedSurvey(t))
		expectStatus(t, "create", orig, 201)
		h.vars["id"] = orig.json(t)["id"].(string)

		for _, format := range []struct{ name, mediaType, suffix string }{{"surveyjs", "application/json", ".surveyjs.json"}, {"xlsform", xlsxType, ".xlsx"}} {
			exp := h.send("admin", "GET", "/v1/surveys/{{id}}/export?format="+format.name, "", nil, nil)
			expectStatus(t, "export "+format.name, exp, 200)
			if ct := exp.header.Get("Content-Type"); !strings.HasPrefix(ct, format.mediaType) {
				t.Fatalf("export %s: Content-Type %s", format.name, ct)
			}
			if cd := exp.header.Get("Content-Disposition"); !strings.Contains(cd, h.vars["id"]+format.suffix) {
				t.Fatalf("export %s: Content-Disposition %q", format.name, cd)
			}
			imp := h.send("admin", "POST", "/v1/surveys/import?format="+format.name, format.mediaType, exp.body, nil)
			expectStatus(t, "import "+format.name, imp, 201)
			doc := imp.json(t)
			if doc["status"] != "draft" || doc["title"] != "DNSSEC practices 2026" || imp.header.Get("Location") != "/v1/surveys/"+doc["id"].(string) {
				t.Fatalf("import %s: %s, Location %q", format.name, imp.body, imp.header.Get("Location"))
			}
			if got, want := sectionsOf(t, imp), sectionsOf(t, orig); !reflect.DeepEqual(got, want) {
				a, _ := json.Marshal(got)
				b, _ := json.Marshal(want)
				t.Fatalf("%s: the imported sections differ:\n got %s\nwant %s", format.name, a, b)
			}
		}

		count := func() int {
			r := h.do("admin", "GET", "/v1/surveys", nil)
			return len(r.json(t)["items"].([]any))
		}
		before := count()
		matrix := []byte(`{"title": "T", "pages": [{"name": "p", "title": "P", "elements": [{"type": "matrix", "name": "m", "title": "M"}]}]}`)
		expectStatus(t, "a SurveyJS matrix", h.send("admin", "POST", "/v1/surveys/import?format=surveyjs", "application/json", matrix, nil),
			422, "pages[0].elements[0].type")
		expectStatus(t, "not JSON", h.send("admin", "POST", "/v1/surveys/import?format=surveyjs", "application/json", []byte(`{"title":`), nil), 400)
		expectStatus(t, "no format", h.send("admin", "POST", "/v1/surveys/import", "application/json", matrix, nil), 400, "format")
		expectStatus(t, "an unknown format", h.send("admin", "POST", "/v1/surveys/import?format=odk", "application/json", matrix, nil), 400, "format")
		expectStatus(t, "JSON sent as xlsform", h.send("admin", "POST", "/v1/surveys/import?format=xlsform", "application/json", matrix, nil), 415)
		expectStatus(t, "a member may not import", h.send("dk", "POST", "/v1/surveys/import?format=surveyjs", "application/json", matrix, nil), 403)
		expectStatus(t, "over the body limit", h.send("admin", "POST", "/v1/surveys/import?format=surveyjs", "application/json",
			bytes.Repeat([]byte(" "), 1<<20+1), nil), 413)

		f := excelize.NewFile()
		_ = f.SetSheetName("Sheet1", "survey")
		for i, row := range [][]any{{"type", "name", "label"}, {"begin group", "g", "G"}, {"integer", "n", "N"}, {"end group"}} {
			_ = f.SetSheetRow("survey", "A"+string(rune('1'+i)), &row)
		}
		_ = f.SetCellFormula("survey", "C3", `CONCAT("N","")`)
		buf, _ := f.WriteToBuffer()
		expectStatus(t, "a formula", h.send("admin", "POST", "/v1/surveys/import?format=xlsform", xlsxType, buf.Bytes(), nil), 400, "survey!C3")
		expectStatus(t, "not a workbook", h.send("admin", "POST", "/v1/surveys/import?format=xlsform", xlsxType, []byte("type,name\n"), nil), 400)
		if after := count(); after != before {
			t.Fatalf("refused imports created %d surveys", after-before)
		}

		// Who may read the survey may export it: a member not while it is a draft.
		expectStatus(t, "a member, a draft", h.send("dk", "GET", "/v1/surveys/{{id}}/export?format=surveyjs", "", nil, nil), 404)
		expectStatus(t, "no format", h.send("admin", "GET", "/v1/surveys/{{id}}/export", "", nil, nil), 400, "format")
		h.run([]step{{name: "open", as: "admin", method: "PATCH", path: "/v1/surveys/{{id}}", body: `{"deadline":"2026-12-31T23:59:59Z"}`, status: 200},
			{name: "open", as: "admin", method: "POST", path: "/v1/surveys/{{id}}/open", status: 200}})
		expectStatus(t, "a member, an open survey", h.send("dk", "GET", "/v1/surveys/{{id}}/export?format=xlsform", "", nil, nil), 200)
		expectStatus(t, "an unknown survey", h.send("admin", "GET", "/v1/surveys/srv_nope/export?format=xlsform", "", nil, nil), 404)
	})
}
