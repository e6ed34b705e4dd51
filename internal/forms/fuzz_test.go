package forms

import (
	"reflect"
	"testing"

	"github.com/tldcouncil/surveyd/internal/survey"
)

// FuzzSurveyJSImport feeds the importer arbitrary files: it must never panic,
// refuse only with a Malformed or Invalid error, and whatever it takes must be a
// valid survey that survives a round trip through the export.
func FuzzSurveyJSImport(f *testing.F) {
	if doc, err := ToSurveyJS(sample()); err == nil {
		f.Add(doc)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := FromSurveyJS(data)
		checkImport(t, s, err, func(s survey.Survey) (survey.Survey, error) {
			doc, err := ToSurveyJS(s)
			if err != nil {
				return survey.Survey{}, err
			}
			return FromSurveyJS(doc)
		})
	})
}

// FuzzXLSFormImport does the same for workbooks; the seeds in testdata/fuzz are
// small XLSForms, which the fuzzer mutates inside and outside the zip.
func FuzzXLSFormImport(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := FromXLSForm(data)
		checkImport(t, s, err, func(s survey.Survey) (survey.Survey, error) {
			book, err := ToXLSForm(s)
			if err != nil {
				return survey.Survey{}, err
			}
			return FromXLSForm(book)
		})
	})
}

func checkImport(t *testing.T, s survey.Survey, err error, roundTrip func(survey.Survey) (survey.Survey, error)) {
	if err != nil {
		if c := survey.ErrorCode(err); c != survey.Malformed && c != survey.Invalid {
			t.Fatalf("refused with %s: %v", c, err)
		}
		return
	}
	if err := s.Validate(); err != nil {
		t.Fatalf("took a survey that is not valid: %v", err)
	}
	again, err := roundTrip(s)
	if err != nil {
		t.Fatalf("cannot export what it imported: %v", err)
	}
	if !reflect.DeepEqual(again, s) {
		t.Fatalf("a round trip changed what was imported:\n%+v\n%+v", again, s)
	}
}
