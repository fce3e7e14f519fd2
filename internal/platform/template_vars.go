package platform

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/wabihq/wabi/internal/wabi"
)

// checkVars checks the variables of a text against the parameter format and
// returns their distinct names in order. Positional variables are {{1}} to {{n}}
// with none missing; named ones are lower-case snake_case.
func checkVars(p tplPath, text, format string, code wabi.Code) ([]string, *wabi.Error) {
	if strings.Contains(anyVar.ReplaceAllString(text, ""), "{{") || strings.Contains(anyVar.ReplaceAllString(text, ""), "}}") {
		return nil, p.err(code, "has unbalanced braces: variables are written {{1}} or {{name}}.")
	}
	var names []string
	for _, m := range anyVar.FindAllStringSubmatch(text, -1) {
		name := m[1]
		switch {
		case format == FormatPositional && positionalVar.MatchString(name),
			format == FormatNamed && namedVar.MatchString(name):
		case format == FormatPositional:
			return nil, p.err(code, "has the variable %s; with parameter_format POSITIONAL variables are numbered: {{1}}, {{2}}, ...", m[0])
		default:
			return nil, p.err(code, "has the variable %s; with parameter_format NAMED variables are lower-case names such as {{first_name}}.", m[0])
		}
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	if format == FormatPositional {
		for i := range names {
			if !slices.Contains(names, strconv.Itoa(i+1)) {
				return nil, p.err(code, "has %d variables but no {{%d}}: number them from {{1}} without gaps.", len(names), i+1)
			}
		}
	}
	return names, nil
}

// namedExample is one sample value of a named variable.
type namedExample struct {
	ParamName string `json:"param_name"`
	Example   string `json:"example"`
}

// templateExample is a component's example object.
type templateExample struct {
	HeaderText      []string       `json:"header_text"`
	HeaderTextNamed []namedExample `json:"header_text_named_params"`
	HeaderHandle    []string       `json:"header_handle"`
	BodyText        [][]string     `json:"body_text"`
	BodyTextNamed   []namedExample `json:"body_text_named_params"`
}

// exampleOf reads a component's example, however it was decoded.
func exampleOf(p tplPath, v any, code wabi.Code) (templateExample, *wabi.Error) {
	var ex templateExample
	if v == nil {
		return ex, nil
	}
	b, err := json.Marshal(v)
	if err == nil {
		err = json.Unmarshal(b, &ex)
	}
	if err != nil {
		return ex, p.err(code, "must be an object such as {\"body_text\":[[\"Ana\"]]} or {\"header_handle\":[\"4::...\"]}.")
	}
	return ex, nil
}

// checkExamples checks that every variable has a sample value.
func checkExamples(p tplPath, vars []string, format string, positional []string, named []namedExample, key string, code wabi.Code) *wabi.Error {
	if format == FormatNamed {
		np := p.k(key + "_named_params")
		for _, v := range vars {
			i := slices.IndexFunc(named, func(n namedExample) bool { return n.ParamName == v })
			if i < 0 || named[i].Example == "" {
				return np.err(code, "needs a sample value for {{%s}}: [{\"param_name\":%q,\"example\":\"...\"}].", v, v)
			}
		}
		if len(named) != len(vars) {
			return np.err(code, "has %d sample values for %d variables.", len(named), len(vars))
		}
		return nil
	}
	if len(positional) == 0 {
		return p.k(key).err(code, "is required: give one sample value per variable, %d in all.", len(vars))
	}
	if len(positional) != len(vars) {
		return p.k(key).err(code, "has %d sample values for %d variables; give one per variable.", len(positional), len(vars))
	}
	for i, s := range positional {
		if strings.TrimSpace(s) == "" {
			return p.k(key).i(i).err(code, "is empty; give a realistic sample value.")
		}
	}
	return nil
}
