package gdtext

import (
	"errors"
	"fmt"
	"strings"
)

// Entry is one key=value line. Key is as written, feature tag included
// ("run/main_scene.mobile"); Pos is where the key starts.
type Entry struct {
	Section string
	Key     string
	Value   Value
	Pos     Pos
}

// Tag is a bracketed header: [application] in project.godot,
// [ext_resource type="Script" path="res://a.gd" id=1] in .tscn and .tres.
// Attrs holds its attributes in order, each with Section set to Name.
type Tag struct {
	Name  string
	Attrs []Entry
	Pos   Pos
}

// Config is a parsed project.godot (or engine.cfg, or any file of the same
// shape), its entries in file order. Entries before the first section have
// Section "".
type Config struct {
	Entries []Entry
}

// maxErrors is how many errors ParseConfig reports before it gives up on a
// file: past that, the file is not in this format and more noise helps
// nobody.
const maxErrors = 10

const utf8BOM = "\xEF\xBB\xBF"

// ParseConfig reads a project.godot file. It always returns a Config with
// every entry it could read; the error, when not nil, joins one *Error per
// malformed entry (errors.Join), or says it stopped after too many.
func ParseConfig(file string, src []byte) (*Config, error) {
	c := &Config{}
	s := NewSource(file, src)
	var errs []error
	section := ""
	for {
		s.skipBlankLines()
		if s.eof() {
			break
		}
		startLine := s.line
		var err error
		if s.peek() == '[' {
			var t Tag
			t, _, err = s.ParseTag(s.i)
			if err == nil {
				section = t.Name
			}
		} else {
			var e Entry
			e, _, err = s.ParseAssign(s.i)
			if err == nil {
				e.Section = section
				c.Entries = append(c.Entries, e)
			}
		}
		if err == nil {
			err = s.endOfLine()
		}
		if err == nil {
			continue
		}
		errs = append(errs, err)
		if len(errs) >= maxErrors {
			errs = append(errs, fmt.Errorf("%s: stopped after %d errors", file, maxErrors))
			break
		}
		// Carry on at the line after the one where the bad entry started:
		// if the value was cut short, the next lines may still be good.
		s.seekLineAfter(startLine)
	}
	return c, errors.Join(errs...)
}

// seekLineAfter moves to the start of the line after line n (or the end).
func (s *Source) seekLineAfter(n int) {
	s.index()
	if n < len(s.lines) {
		s.i, s.line, s.lineStart = s.lines[n], n+1, s.lines[n]
	} else {
		s.seek(len(s.src))
	}
}

// skipBlankLines skips whitespace, and comment lines starting with ';' or
// '#' (the engine knows only ';', people write both).
func (s *Source) skipBlankLines() {
	for !s.eof() {
		switch c := s.src[s.i]; {
		case c == ';' || c == '#':
			for !s.eof() && s.src[s.i] != '\n' {
				s.i++
			}
		case c <= ' ':
			s.advance()
		default:
			return
		}
	}
}

// endOfLine checks that only spaces or a ';' comment follow on this line.
func (s *Source) endOfLine() error {
	s.skipLineSpace()
	switch {
	case s.eof():
	case s.src[s.i] == '\n':
		s.advance()
	case s.src[s.i] == ';':
		for !s.eof() && s.src[s.i] != '\n' {
			s.i++
		}
	default:
		return s.errorf("expected end of line after the value, found %s", s.found())
	}
	return nil
}

// ParseTag reads a [name key=value ...] header at off (after any blank
// space) and returns the offset just after its ']'.
func (s *Source) ParseTag(off int) (Tag, int, error) {
	s.seek(off)
	s.depth = 0
	s.skipSpace()
	t := Tag{Pos: s.pos()}
	if s.peek() != '[' || s.eof() {
		return t, s.i, s.errorf("expected '[' to start a section, found %s", s.found())
	}
	s.i++
	s.skipLineSpace()
	start := s.i
	for !s.eof() && s.src[s.i] > ' ' && s.src[s.i] != ']' && s.src[s.i] != '[' {
		s.i++
	}
	t.Name = string(s.src[start:s.i])
	if t.Name == "" {
		return t, s.i, s.errorf("expected a section name after '[', found %s", s.found())
	}
	for {
		s.skipLineSpace()
		if s.eof() || s.src[s.i] == '\n' {
			return t, s.i, s.errorf("expected ']' to close section [%s, found %s", t.Name, s.found())
		}
		if s.src[s.i] == ']' {
			s.i++
			return t, s.i, nil
		}
		e := Entry{Section: t.Name, Pos: s.pos()}
		start := s.i
		for !s.eof() && s.src[s.i] > ' ' && s.src[s.i] != '=' && s.src[s.i] != ']' {
			s.i++
		}
		e.Key = string(s.src[start:s.i])
		if e.Key == "" {
			return t, s.i, s.errorf("expected an attribute name or ']' in [%s], found %s", t.Name, s.found())
		}
		s.skipLineSpace()
		if s.peek() != '=' || s.eof() {
			return t, s.i, s.errorf("expected '=' after attribute %s in [%s], found %s", e.Key, t.Name, s.found())
		}
		s.i++
		s.skipLineSpace()
		v, err := s.value()
		if err != nil {
			return t, s.i, err
		}
		e.Value = v
		t.Attrs = append(t.Attrs, e)
	}
}

// ParseAssign reads a key=value entry at off (after any blank space) and
// returns the offset just after the value. The key is bare (everything up
// to '=', trimmed) or a quoted string; the returned Entry has no Section.
func (s *Source) ParseAssign(off int) (Entry, int, error) {
	s.seek(off)
	s.depth = 0
	s.skipSpace()
	e := Entry{Pos: s.pos()}
	if s.eof() {
		return e, s.i, s.errorf("expected a key, found end of file")
	}
	if s.src[s.i] == '"' {
		k, err := s.str()
		if err != nil {
			return e, s.i, err
		}
		e.Key = k
		s.skipLineSpace()
	} else {
		start := s.i
		for !s.eof() && s.src[s.i] != '=' && s.src[s.i] != '\n' {
			s.i++
		}
		e.Key = strings.TrimRight(string(s.src[start:s.i]), " \t\r\v\f")
	}
	if s.peek() != '=' || s.eof() {
		return e, s.i, s.errorf("expected '=' after key %q, found %s", e.Key, s.found())
	}
	if e.Key == "" {
		return e, s.i, s.errorf("expected a key before '='")
	}
	s.i++
	s.skipLineSpace()
	// The grammar skips newlines between tokens, so "key=" would take the
	// next line as its value: refuse an empty value here instead.
	if s.eof() || s.src[s.i] == '\n' || s.src[s.i] == ';' {
		return e, s.i, s.errorf("expected a value after '=' for key %q, found %s", e.Key, s.found())
	}
	v, err := s.value()
	e.Value = v
	return e, s.i, err
}

// Get returns the value of a setting by its full name, "section/key"
// ("application/run/main_scene"), or the bare key for entries before the
// first section ("config_version"). When a setting is written twice, the
// last one wins, as in the engine. Feature overrides ("key.mobile") are
// separate names and are not returned for the plain key.
func (c *Config) Get(name string) (Value, bool) {
	for i := len(c.Entries) - 1; i >= 0; i-- {
		e := &c.Entries[i]
		if e.Section == "" {
			if e.Key == name {
				return e.Value, true
			}
			continue
		}
		if len(name) == len(e.Section)+1+len(e.Key) && strings.HasPrefix(name, e.Section) &&
			name[len(e.Section)] == '/' && strings.HasSuffix(name, e.Key) {
			return e.Value, true
		}
	}
	return Value{}, false
}

// GetString returns the text of a string setting, or "" when it is unset
// or not a string.
func (c *Config) GetString(name string) string {
	v, _ := c.Get(name)
	s, _ := v.AsString()
	return s
}

// Section returns the entries of one section in file order; "" gives the
// entries before the first section.
func (c *Config) Section(name string) []Entry {
	var out []Entry
	for _, e := range c.Entries {
		if e.Section == name {
			out = append(out, e)
		}
	}
	return out
}
