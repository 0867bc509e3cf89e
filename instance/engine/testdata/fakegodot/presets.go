package main

import (
	"fmt"
	"strconv"
	"strings"
)

// preset is one [preset.N] section of export_presets.cfg with its
// [preset.N.options].
type preset struct {
	name       string
	platform   string
	exportPath string
	options    map[string]string // string values unquoted, others as written
}

// option returns a preset option, or def when it is absent.
func (p *preset) option(key, def string) string {
	if v, ok := p.options[key]; ok {
		return v
	}
	return def
}

// cfgValue is one key=value of a ConfigFile.
type cfgValue struct {
	text   string // unquoted string, or the value as written
	quoted bool
}

// configFile is a parsed Godot ConfigFile: section -> key -> value.
type configFile map[string]map[string]cfgValue

// parseConfig reads Godot's ConfigFile text (project.godot, export_presets.cfg):
// "[section]" lines and "key=value" entries whose values are Variant text.
// Strings are unescaped (they may span lines); other values (numbers, bools,
// arrays, PackedStringArray(...), {...}) are kept as written, brackets and
// quotes balanced across lines. Errors carry the line where the value began.
func parseConfig(src string) (configFile, error) {
	s := &cfgScanner{src: src, line: 1}
	cfg := configFile{"": {}}
	section := ""
	for {
		s.skipSpace()
		if s.eof() {
			return cfg, nil
		}
		switch c := s.peek(); c {
		case ';', '#':
			s.skipLine()
		case '[':
			line := s.line
			end := strings.IndexAny(s.src[s.pos:], "]\n")
			if end < 0 || s.src[s.pos+end] != ']' {
				return nil, fmt.Errorf("line %d: section header without ']'", line)
			}
			section = s.src[s.pos+1 : s.pos+end]
			s.pos += end + 1
			if _, ok := cfg[section]; !ok {
				cfg[section] = map[string]cfgValue{}
			}
		default:
			line := s.line
			end := strings.IndexAny(s.src[s.pos:], "=\n")
			if end < 0 || s.src[s.pos+end] != '=' {
				return nil, fmt.Errorf("line %d: expected key=value", line)
			}
			key := strings.TrimSpace(s.src[s.pos : s.pos+end])
			if key == "" {
				return nil, fmt.Errorf("line %d: empty key", line)
			}
			s.pos += end + 1
			v, err := s.value()
			if err != nil {
				return nil, fmt.Errorf("line %d: value of %q: %w", line, key, err)
			}
			cfg[section][key] = v
		}
	}
}

type cfgScanner struct {
	src  string
	pos  int
	line int
}

func (s *cfgScanner) eof() bool  { return s.pos >= len(s.src) }
func (s *cfgScanner) peek() byte { return s.src[s.pos] }

func (s *cfgScanner) next() byte {
	c := s.src[s.pos]
	s.pos++
	if c == '\n' {
		s.line++
	}
	return c
}

func (s *cfgScanner) skipSpace() {
	for !s.eof() && strings.IndexByte(" \t\r\n", s.peek()) >= 0 {
		s.next()
	}
}

func (s *cfgScanner) skipLine() {
	for !s.eof() && s.next() != '\n' {
	}
}

// value reads what follows '=' up to the end of its line.
func (s *cfgScanner) value() (cfgValue, error) {
	for !s.eof() && (s.peek() == ' ' || s.peek() == '\t') {
		s.next()
	}
	if !s.eof() && s.peek() == '"' {
		text, err := s.quoted()
		if err != nil {
			return cfgValue{}, err
		}
		if rest := s.restOfLine(); rest != "" {
			return cfgValue{}, fmt.Errorf("unexpected %q after the string", rest)
		}
		return cfgValue{text: text, quoted: true}, nil
	}
	start := s.pos
	var open []byte // closers expected, innermost last
	for !s.eof() {
		c := s.peek()
		if c == '\n' && len(open) == 0 {
			break
		}
		switch c {
		case '"':
			if _, err := s.quoted(); err != nil {
				return cfgValue{}, err
			}
			continue
		case '(':
			open = append(open, ')')
		case '[':
			open = append(open, ']')
		case '{':
			open = append(open, '}')
		case ')', ']', '}':
			if len(open) == 0 || open[len(open)-1] != c {
				return cfgValue{}, fmt.Errorf("unbalanced %q", c)
			}
			open = open[:len(open)-1]
		}
		s.next()
	}
	if len(open) > 0 {
		return cfgValue{}, fmt.Errorf("missing %q", open[len(open)-1])
	}
	return cfgValue{text: strings.TrimSpace(s.src[start:s.pos])}, nil
}

// quoted reads a double-quoted Variant string at the current position.
func (s *cfgScanner) quoted() (string, error) {
	s.next() // opening quote
	var b strings.Builder
	for !s.eof() {
		c := s.next()
		switch c {
		case '"':
			return b.String(), nil
		case '\\':
			if s.eof() {
				return "", fmt.Errorf("unterminated string")
			}
			e := s.next()
			switch e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'u':
				if s.pos+4 > len(s.src) {
					return "", fmt.Errorf("short \\u escape")
				}
				n, err := strconv.ParseUint(s.src[s.pos:s.pos+4], 16, 32)
				if err != nil {
					return "", fmt.Errorf("bad \\u escape %q", s.src[s.pos:s.pos+4])
				}
				s.pos += 4
				b.WriteRune(rune(n))
			default: // \" \\ \' and anything else stand for themselves
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", fmt.Errorf("unterminated string")
}

// restOfLine consumes the rest of the current line and returns it trimmed,
// comments excluded.
func (s *cfgScanner) restOfLine() string {
	start := s.pos
	for !s.eof() && s.peek() != '\n' {
		s.next()
	}
	rest := strings.TrimSpace(s.src[start:s.pos])
	if strings.HasPrefix(rest, ";") || strings.HasPrefix(rest, "#") {
		return ""
	}
	return rest
}

// presetsFrom lists the presets the way EditorExport::load_config does:
// preset.0, preset.1, ... up to the first missing index.
func presetsFrom(cfg configFile) []preset {
	var out []preset
	for i := 0; ; i++ {
		sec, ok := cfg["preset."+strconv.Itoa(i)]
		if !ok {
			return out
		}
		p := preset{
			name:       sec["name"].text,
			platform:   sec["platform"].text,
			exportPath: sec["export_path"].text,
			options:    map[string]string{},
		}
		for k, v := range cfg["preset."+strconv.Itoa(i)+".options"] {
			p.options[k] = v.text
		}
		out = append(out, p)
	}
}
