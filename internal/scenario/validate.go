package scenario

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// MaxPhones is the most virtual phones one scenario makes.
const MaxPhones = 100_000

// scenario checks what the types cannot: every object has its key, keys are
// unique where they must be, and references name objects of the file. Values
// themselves (a verified name's length, a template's components) are the
// control API's to check when the scenario is applied.
func (c *checker) scenario(s *Scenario) {
	businesses := map[string]bool{}
	numbers := map[string]string{}
	tokens := map[string]string{}
	for i, b := range s.Businesses {
		path := fmt.Sprintf("businesses[%d]", i)
		item := "business " + b.Name
		if strings.TrimSpace(b.Name) == "" {
			c.fail(path, "", "name is required: it is the business's key")
			continue
		}
		if businesses[b.Name] {
			c.fail(path, item, "another business has this name; names are the keys that find a business again")
		}
		businesses[b.Name] = true
		wabas := map[string]bool{}
		for j, w := range b.WABAs {
			wpath := fmt.Sprintf("%s.wabas[%d]", path, j)
			witem := "WABA " + w.Name
			if strings.TrimSpace(w.Name) == "" {
				c.fail(wpath, item, "name is required: it is the WABA's key in its business")
				continue
			}
			if wabas[w.Name] {
				c.fail(wpath, witem, "business %s has another WABA of this name", b.Name)
			}
			wabas[w.Name] = true
			for k, n := range w.Numbers {
				npath := fmt.Sprintf("%s.numbers[%d]", wpath, k)
				nitem := "number " + n.PhoneNumber
				digits := Digits(n.PhoneNumber)
				if digits == "" {
					c.fail(npath, witem, "phone_number is required: it is the number's key")
					continue
				}
				if other, ok := numbers[digits]; ok {
					c.fail(npath, nitem, "the file has this number already, at %s", other)
				}
				numbers[digits] = npath
				if n.OnPrem != nil && n.PlatformType != "ON_PREMISE" {
					c.fail(npath+".onprem", nitem, "only an ON_PREMISE number has a deployment to set up (platform_type is %q)", n.PlatformType)
				}
				if n.OnPrem != nil && n.OnPrem.WebhookURL != "" && n.OnPrem.AdminPassword == "" {
					c.fail(npath+".onprem", nitem, "webhook_url needs admin_password: wabi logs in to the deployment as admin to set it")
				}
			}
			templates := map[string]bool{}
			for k, t := range w.Templates {
				tpath := fmt.Sprintf("%s.templates[%d]", wpath, k)
				if t.Name == "" || t.Language == "" {
					c.fail(tpath, witem, "name and language are required: together they are the template's key")
					continue
				}
				key := t.Name + " " + t.Language
				if templates[key] {
					c.fail(tpath, "template "+key, "WABA %s has this template already", w.Name)
				}
				templates[key] = true
			}
		}
		apps := map[string]bool{}
		for j, a := range b.Apps {
			apath := fmt.Sprintf("%s.apps[%d]", path, j)
			aitem := "app " + a.Name
			if strings.TrimSpace(a.Name) == "" {
				c.fail(apath, item, "name is required: it is the app's key in its business")
				continue
			}
			if apps[a.Name] {
				c.fail(apath, aitem, "business %s has another app of this name", b.Name)
			}
			apps[a.Name] = true
			for k, w := range a.SubscribedWABAs {
				if !wabas[w] {
					c.fail(fmt.Sprintf("%s.subscribed_wabas[%d]", apath, k), aitem, "business %s has no WABA %q in the file", b.Name, w)
				}
			}
		}
		names := map[string]bool{}
		for j, t := range b.Tokens {
			tpath := fmt.Sprintf("%s.tokens[%d]", path, j)
			titem := "token " + t.Name
			if t.Name == "" {
				titem = ""
			}
			switch {
			case t.Token != "":
				if other, ok := tokens[t.Token]; ok {
					c.fail(tpath, titem, "the file has this token value already, at %s", other)
				}
				tokens[t.Token] = tpath
			case t.Name == "":
				c.fail(tpath, item, "token or name is required: a token is found again by its value, or by its name when wabi makes the value")
			case names[t.Name]:
				c.fail(tpath, titem, "business %s has another token of this name without a value", b.Name)
			default:
				names[t.Name] = true
			}
			if t.App != "" && !apps[t.App] {
				c.fail(tpath+".app", titem, "business %s has no app %q in the file", b.Name, t.App)
			}
			for k, w := range t.WABAs {
				if !wabas[w] {
					c.fail(fmt.Sprintf("%s.wabas[%d]", tpath, k), titem, "business %s has no WABA %q in the file", b.Name, w)
				}
			}
		}
	}
	c.phones(s.Phones)
	for i, f := range s.Faults {
		if f.Kind == "" {
			c.fail(fmt.Sprintf("faults[%d]", i), "", "kind is required")
		}
		if f.PhoneNumber != "" && Digits(f.PhoneNumber) == "" {
			c.fail(fmt.Sprintf("faults[%d].phone_number", i), "fault "+f.Kind, "%q is not a phone number", f.PhoneNumber)
		}
	}
}

// phones checks that every run of phones has a number and that no two runs
// share one.
func (c *checker) phones(ps []Phone) {
	type run struct {
		first, last uint64
		path        string
	}
	var runs []run
	total := 0
	for i, p := range ps {
		path := fmt.Sprintf("phones[%d]", i)
		item := "phone " + p.WaID
		n, err := strconv.ParseUint(p.WaID, 10, 64)
		if err != nil || p.WaID == "" || p.WaID[0] == '0' {
			c.fail(path, "", "wa_id must be the phone's number, digits with country code and no +, not %q", p.WaID)
			continue
		}
		count := max(p.Count, 1)
		if p.Count < 0 {
			c.fail(path+".count", item, "must be at least 1")
			continue
		}
		if total += count; total > MaxPhones {
			c.fail(path+".count", item, "the scenario makes more than %d phones", MaxPhones)
			return
		}
		last := n + uint64(count) - 1
		if len(strconv.FormatUint(last, 10)) != len(p.WaID) {
			c.fail(path+".count", item, "the run of %d phones from %s runs past %s", count, p.WaID, strings.Repeat("9", len(p.WaID)))
			continue
		}
		runs = append(runs, run{n, last, path})
	}
	slices.SortFunc(runs, func(a, b run) int { return cmp.Compare(a.first, b.first) })
	for i := 1; i < len(runs); i++ {
		if runs[i].first <= runs[i-1].last {
			a, b := runs[i-1].path, runs[i].path
			if b < a {
				a, b = b, a
			}
			c.fail(b, "phone "+strconv.FormatUint(runs[i].first, 10), "its numbers overlap those of %s", a)
		}
	}
}

// Digits returns the digits of a phone number in any notation ("+1 555-010
// 7788" is "15550107788"): the key a number is found by.
func Digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
