package api

import (
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"golang.org/x/text/language"

	"github.com/tldcouncil/surveyd/internal/export"
	"github.com/tldcouncil/surveyd/internal/forms"
	"github.com/tldcouncil/surveyd/internal/survey"
)

// The questionnaire formats of export and import, by their ?format= name.
const (
	formatSurveyJS = "surveyjs"
	formatXLSForm  = "xlsform"
)

// mediaTypeOf is the media type of each questionnaire format.
func mediaTypeOf(format string) string {
	if format == formatXLSForm {
		return export.XLSXMediaType
	}
	return echo.MIMEApplicationJSON
}

func formatParam(c echo.Context) (string, error) {
	switch f := c.QueryParam("format"); f {
	case formatSurveyJS, formatXLSForm:
		return f, nil
	case "":
		return "", queryError("format", "is required: surveyjs or xlsform")
	}
	return "", queryError("format", "must be surveyjs or xlsform")
}

// exportSurvey serves GET /v1/surveys/{id}/export: the questionnaire as a
// SurveyJS or XLSForm file, with every language it has, to whoever may read it.
func (s *Server) exportSurvey(c echo.Context) error {
	format, err := formatParam(c)
	if err != nil {
		return err
	}
	sv, err := s.readableSurvey(c, c.Param("id"))
	if err != nil {
		return err
	}
	var data []byte
	name := sv.ID
	if format == formatXLSForm {
		data, err = forms.ToXLSForm(sv)
		name += ".xlsx"
	} else {
		data, err = forms.ToSurveyJS(sv)
		name += ".surveyjs.json"
	}
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	return c.Blob(http.StatusOK, mediaTypeOf(format), data)
}

// importSurvey serves POST /v1/surveys/import: a new draft from a SurveyJS or
// XLSForm file. Nothing is created unless the whole file can be kept.
func (s *Server) importSurvey(c echo.Context) error {
	format, err := formatParam(c)
	if err != nil {
		return err
	}
	ct, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if want := mediaTypeOf(format); ct != want {
		return echo.NewHTTPError(http.StatusUnsupportedMediaType, "send a "+format+" file as "+want)
	}
	data, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err // over the body limit: 413
	}
	var sv survey.Survey
	if format == formatXLSForm {
		sv, err = forms.FromXLSForm(data)
	} else {
		sv, err = forms.FromSurveyJS(data)
	}
	if err != nil {
		return err
	}
	created, err := s.store.CreateSurvey(c.Request().Context(), sv, caller(c).ID)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/surveys/"+created.ID)
	return c.JSON(http.StatusCreated, toSurveyResponse(created))
}

// chooseLanguage picks the language of a read among those the survey has: the
// one ?lang= names (or its base language: fr for fr-ch), else the best of
// Accept-Language, else English. A language
// the survey has no texts in falls back to English, text by text.
func chooseLanguage(c echo.Context, have []string) (string, error) {
	c.Response().Header().Add(echo.HeaderVary, "Accept-Language")
	lang := survey.English
	if q := c.QueryParam("lang"); q != "" {
		q = survey.NormalizeLanguage(q)
		if !survey.ValidLanguage(q) {
			return "", queryError("lang", "must be a language tag such as fr, de-ch or pt-br")
		}
		base, _, _ := strings.Cut(q, "-")
		for _, h := range have {
			switch h {
			case q:
				lang = q
			case base: // fr for fr-ch, unless fr-ch itself is there
				if lang != q {
					lang = base
				}
			}
		}
	} else if header := c.Request().Header.Get("Accept-Language"); header != "" && len(have) > 1 {
		// An Accept-Language that cannot be read is ignored, as browsers' quirks are.
		if wanted, _, err := language.ParseAcceptLanguage(header); err == nil && len(wanted) > 0 {
			tags := make([]language.Tag, len(have))
			for i, h := range have {
				tags[i] = language.Make(h)
			}
			if _, i, conf := language.NewMatcher(tags).Match(wanted...); conf != language.No {
				lang = have[i]
			}
		}
	}
	c.Response().Header().Set("Content-Language", strings.ToLower(lang))
	return lang, nil
}
