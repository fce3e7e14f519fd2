package cloudapi

import (
	"fmt"
	"strings"

	"github.com/wabihq/wabi/internal/wabi"
)

// field is one entry of a Graph fields parameter: a name, the modifiers chained
// after it with dots, and the sub-fields in braces, as in
// "analytics.start(1700000000).granularity(DAY)" or "phone_numbers{id,quality_rating}".
type field struct {
	Name      string
	Modifiers []modifier
	Fields    []field
}

// modifier is one ".name(args)" of a field. Args are the values in the
// parentheses, unquoted: "(A,B)", `(["A","B"])` and "(['A','B'])" all give A and B;
// "()" and "([])" give none.
type modifier struct {
	Name string
	Args []string
}

// Modifier returns the arguments of the field's modifier name and whether the
// field has it. When a modifier is repeated, the last one wins, as in a query
// string.
func (f field) Modifier(name string) ([]string, bool) {
	for i := len(f.Modifiers) - 1; i >= 0; i-- {
		if f.Modifiers[i].Name == name {
			return f.Modifiers[i].Args, true
		}
	}
	return nil, false
}

// parseFields reads a Graph fields parameter. Commas inside parentheses,
// brackets, braces and quotes do not separate fields. A syntax error is
// EBadRequest, which reads as Graph's "(#100) Syntax error ...".
func parseFields(s string) ([]field, error) {
	p := fieldParser{src: s}
	fs, err := p.fields()
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.src) {
		return nil, p.errorf("Expected end of string instead of %s.", quote(p.peek()))
	}
	return fs, nil
}

// fieldParser is a recursive-descent parser over a fields parameter.
type fieldParser struct {
	src string
	pos int
}

// fields reads a comma-separated list of fields up to the end or a closing brace.
// Empty entries ("a,,b", a trailing comma) are skipped, as Graph does.
func (p *fieldParser) fields() ([]field, error) {
	var out []field
	for {
		p.space()
		if p.pos == len(p.src) || p.peek() == '}' {
			return out, nil
		}
		if p.peek() == ',' {
			p.pos++
			continue
		}
		f, err := p.field()
		if err != nil {
			return nil, err
		}
		out = append(out, f)
		p.space()
		if p.pos < len(p.src) && p.peek() != ',' && p.peek() != '}' {
			return nil, p.errorf("Expected \",\" instead of %s.", quote(p.peek()))
		}
	}
}

// field reads name, then any ".modifier(args)" and one "{sub-fields}".
func (p *fieldParser) field() (field, error) {
	var f field
	var err error
	if f.Name, err = p.name(); err != nil {
		return f, err
	}
	for p.space(); p.pos < len(p.src); p.space() {
		switch p.peek() {
		case '.':
			p.pos++
			p.space()
			m, err := p.modifier()
			if err != nil {
				return f, err
			}
			f.Modifiers = append(f.Modifiers, m)
		case '{':
			if f.Fields != nil {
				return f, p.errorf("Expected \",\" instead of \"{\".")
			}
			p.pos++
			if f.Fields, err = p.fields(); err != nil {
				return f, err
			}
			if p.pos == len(p.src) {
				return f, p.errorf("Expected \"}\" at the end of the sub-fields of %s.", f.Name)
			}
			p.pos++
			if f.Fields == nil {
				f.Fields = []field{}
			}
		default:
			return f, nil
		}
	}
	return f, nil
}

// modifier reads "name(args)".
func (p *fieldParser) modifier() (modifier, error) {
	var m modifier
	var err error
	if m.Name, err = p.name(); err != nil {
		return m, err
	}
	p.space()
	if p.pos == len(p.src) || p.peek() != '(' {
		return m, p.errorf("Expected \"(\" after the modifier %s.", m.Name)
	}
	p.pos++
	p.space()
	bracketed := p.pos < len(p.src) && p.peek() == '['
	if bracketed {
		p.pos++
	}
	closing := byte(')')
	if bracketed {
		closing = ']'
	}
	for {
		p.space()
		if p.pos == len(p.src) {
			return m, p.errorf("Expected %s to close the modifier %s.", quote(closing), m.Name)
		}
		if p.peek() == closing {
			p.pos++
			break
		}
		if len(m.Args) > 0 {
			if p.peek() != ',' {
				return m, p.errorf("Expected \",\" or %s instead of %s.", quote(closing), quote(p.peek()))
			}
			p.pos++
			p.space()
		}
		arg, err := p.arg(closing)
		if err != nil {
			return m, err
		}
		m.Args = append(m.Args, arg)
	}
	if bracketed {
		p.space()
		if p.pos == len(p.src) || p.peek() != ')' {
			return m, p.errorf("Expected \")\" to close the modifier %s.", m.Name)
		}
		p.pos++
	}
	return m, nil
}

// arg reads one argument: a quoted string (double or single quotes, with
// backslash escapes) or a bare run of characters up to a comma or the closing
// bracket.
func (p *fieldParser) arg(closing byte) (string, error) {
	if p.pos == len(p.src) {
		return "", p.errorf("Expected %s to close a modifier.", quote(closing))
	}
	if q := p.peek(); q == '"' || q == '\'' {
		p.pos++
		var b strings.Builder
		for p.pos < len(p.src) {
			c := p.src[p.pos]
			p.pos++
			switch {
			case c == q:
				return b.String(), nil
			case c == '\\' && p.pos < len(p.src):
				b.WriteByte(p.src[p.pos])
				p.pos++
			default:
				b.WriteByte(c)
			}
		}
		return "", p.errorf("Unterminated string.")
	}
	begin := p.pos
	for p.pos < len(p.src) && p.peek() != ',' && p.peek() != closing && !strings.ContainsRune("()[]{}\"'", rune(p.peek())) {
		p.pos++
	}
	arg := strings.TrimSpace(p.src[begin:p.pos])
	if arg == "" {
		if p.pos == len(p.src) {
			return "", p.errorf("Expected %s to close a modifier.", quote(closing))
		}
		return "", p.errorf("Unexpected %s.", quote(p.peek()))
	}
	return arg, nil
}

// name reads a field or modifier name: letters, digits and underscores.
func (p *fieldParser) name() (string, error) {
	begin := p.pos
	for p.pos < len(p.src) && isNameByte(p.src[p.pos]) {
		p.pos++
	}
	if p.pos == begin {
		if p.pos == len(p.src) {
			return "", p.errorf("Expected a field name at the end of the string.")
		}
		return "", p.errorf("Expected a field name instead of %s.", quote(p.peek()))
	}
	return p.src[begin:p.pos], nil
}

func isNameByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func (p *fieldParser) peek() byte { return p.src[p.pos] }

func (p *fieldParser) space() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t' || p.src[p.pos] == '\n' || p.src[p.pos] == '\r') {
		p.pos++
	}
}

// errorf is Graph's syntax error, which counts characters from 1.
func (p *fieldParser) errorf(format string, args ...any) error {
	return wabi.Errorf(wabi.EBadRequest, "Syntax error \"%s\" at character %d: %s",
		fmt.Sprintf(format, args...), p.pos+1, p.src)
}

// quote writes a character as Graph's syntax errors do: in double quotes.
func quote(c byte) string { return `"` + string(rune(c)) + `"` }
