package survey

import (
	"maps"
	"regexp"
	"slices"
	"strings"
)

// English is the language of every text's own field (Prompt, Label, Title ...):
// it is required, and translations are optional beside it.
const English = "en"

// Translations holds one text in languages other than English, by language tag
// ("fr", "de", "pt-br"). A language missing from it falls back to English.
type Translations map[string]string

// maxLanguages bounds the languages of one text, so that a survey cannot grow
// without bound through its translations.
const maxLanguages = 30

var languageTag = regexp.MustCompile(`^[a-z]{2,3}(?:-[a-z0-9]{2,8})*$`)

// ValidLanguage reports whether tag is a language tag as this domain keeps it:
// BCP 47 in lowercase, such as fr, de-ch or pt-br.
func ValidLanguage(tag string) bool { return len(tag) <= 35 && languageTag.MatchString(tag) }

// NormalizeLanguage returns tag in the form ValidLanguage takes: lowercase, with
// hyphens rather than underscores (pt_BR becomes pt-br).
func NormalizeLanguage(tag string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(tag), "_", "-"))
}

// In returns the text in lang, or english when it has no translation into lang.
func (t Translations) In(lang, english string) string {
	if s, ok := t[lang]; ok && lang != English {
		return s
	}
	return english
}

func checkTranslations(p *Problems, field string, t Translations, english string, max int) {
	if len(t) == 0 {
		return
	}
	if len(t) > maxLanguages {
		p.Add(field, "at most %d languages", maxLanguages)
	}
	for _, lang := range slices.Sorted(maps.Keys(t)) {
		path := field + "." + lang
		switch {
		case lang == English:
			p.Add(path, "English is the text itself, not a translation of it")
		case !ValidLanguage(lang):
			p.Add(path, "not a language tag; use lowercase BCP 47 such as fr, de-ch or pt-br")
		case strings.TrimSpace(english) == "":
			p.Add(path, "a translation needs the English text beside it")
		default:
			checkText(p, path, t[lang], max, true)
		}
	}
}

// Languages returns the languages that s has texts in, English first and the
// others sorted.
func (s Survey) Languages() []string {
	seen := map[string]bool{}
	add := func(t Translations) {
		for lang := range t {
			seen[lang] = true
		}
	}
	for _, sec := range s.Sections {
		add(sec.TitleTranslations)
		add(sec.DescriptionTranslations)
		for _, q := range sec.Questions {
			add(q.PromptTranslations)
			add(q.HelpTranslations)
			for _, o := range q.Options {
				add(o.LabelTranslations)
			}
		}
	}
	delete(seen, English)
	return append([]string{English}, slices.Sorted(maps.Keys(seen))...)
}

// Localized returns s with every text in lang where it has one, English where it
// has not. The translations stay as they are, so nothing is lost.
func (s Survey) Localized(lang string) Survey {
	if lang == English {
		return s
	}
	out := s
	out.Sections = cloneSections(s.Sections)
	for i := range out.Sections {
		sec := &out.Sections[i]
		sec.Title = sec.TitleTranslations.In(lang, sec.Title)
		sec.Description = sec.DescriptionTranslations.In(lang, sec.Description)
		for j := range sec.Questions {
			q := &sec.Questions[j]
			q.Prompt = q.PromptTranslations.In(lang, q.Prompt)
			q.Help = q.HelpTranslations.In(lang, q.Help)
			for k := range q.Options {
				q.Options[k].Label = q.Options[k].LabelTranslations.In(lang, q.Options[k].Label)
			}
		}
	}
	return out
}
