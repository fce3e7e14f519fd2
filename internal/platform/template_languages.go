package platform

import "slices"

// templateLanguages are the locale codes Meta accepts for message templates, in
// its own spelling: a bare language where WhatsApp has one translation of it, a
// language and region where it has several.
var templateLanguages = []string{
	"af", "ar", "az", "bg", "bn", "ca", "cs", "da", "de", "el",
	"en", "en_GB", "en_US", "es", "es_AR", "es_ES", "es_MX", "et", "fa", "fi",
	"fil", "fr", "ga", "gu", "ha", "he", "hi", "hr", "hu", "id",
	"it", "ja", "ka", "kk", "kn", "ko", "ky_KG", "lo", "lt", "lv",
	"mk", "ml", "mr", "ms", "nb", "nl", "pa", "pl", "pt_BR", "pt_PT",
	"ro", "ru", "rw_RW", "sk", "sl", "sq", "sr", "sv", "sw", "ta",
	"te", "th", "tr", "uk", "ur", "uz", "vi", "zh_CN", "zh_HK", "zh_TW",
	"zu",
}

// TemplateLanguages returns the locale codes templates may be written in.
func TemplateLanguages() []string { return slices.Clone(templateLanguages) }

// isTemplateLanguage reports whether code is one of Meta's template locales.
func isTemplateLanguage(code string) bool {
	_, found := slices.BinarySearch(templateLanguages, code)
	return found
}
