package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// validate plays `--headless --path DIR -s VALIDATOR.gd`: Godot loading the
// validator our program writes, which loads each script of its PATHS list.
// Godot exits 0 even when scripts fail to parse.
func (f *fake) validate(o *options) int {
	src, err := os.ReadFile(o.script)
	if err != nil {
		// Main::start: ResourceLoader::load(script) returned null.
		local := localize(o.path, o.script)
		f.scriptNotFound(local)
		f.loadFailed(local)
		f.engineError("Can't load script: "+o.script, siteStartScript)
		return exitFailure
	}
	paths, err := parseValidatorPaths(string(src))
	if err != nil {
		fmt.Fprintf(f.stderr, "fakegodot: validator %s: %v\n", o.script, err)
		return exitUnexpected
	}
	for _, path := range paths {
		fmt.Fprintf(f.stdout, "GMR-VALIDATE-BEGIN %s\n", path)
		data, err := os.ReadFile(projectFile(o.path, path))
		if err != nil {
			f.scriptNotFound(path)
			f.loadFailed(path)
			fmt.Fprintf(f.stdout, "GMR-VALIDATE-END %s failed\n", path)
			continue
		}
		if line, msg, bad := fakeParseError(string(data)); bad {
			f.scriptError("Parse Error: "+msg, "GDScript::reload", path, line)
			f.engineError(fmt.Sprintf("Failed to load script \"%s\" with error \"Parse error\".", path), siteGDScriptLoad)
			fmt.Fprintf(f.stdout, "GMR-VALIDATE-END %s invalid\n", path)
			continue
		}
		fmt.Fprintf(f.stdout, "GMR-VALIDATE-END %s ok\n", path)
	}
	return exitOK
}

// fakeParseError finds the first line holding "fake-parse-error": its 1-based
// number and the message after "fake-parse-error:", or GDScript's most common
// parse error when there is none.
func fakeParseError(src string) (line int, msg string, found bool) {
	const marker = "fake-parse-error"
	for i, text := range strings.Split(src, "\n") {
		at := strings.Index(text, marker)
		if at < 0 {
			continue
		}
		msg = "Expected end of statement after expression."
		if rest := text[at+len(marker):]; strings.HasPrefix(rest, ":") {
			if m := strings.TrimSpace(rest[1:]); m != "" {
				msg = m
			}
		}
		return i + 1, msg, true
	}
	return 0, "", false
}

// parseValidatorPaths reads the validator's list:
//
//	const PATHS = [
//		"res://a.gd",
//		"res://b \"quoted\".gd",
//	]
//
// one GDScript string literal per line, a trailing comma allowed, blank lines
// and # comments skipped.
func parseValidatorPaths(src string) ([]string, error) {
	lines := strings.Split(src, "\n")
	start := -1
	for i, l := range lines {
		if strings.TrimSpace(l) == "const PATHS = [" {
			start = i
			break
		}
	}
	if start < 0 {
		return nil, fmt.Errorf("no line `const PATHS = [`")
	}
	paths := []string{}
	for i := start + 1; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		switch {
		case l == "]":
			return paths, nil
		case l == "" || strings.HasPrefix(l, "#"):
			continue
		}
		l = strings.TrimSuffix(l, ",")
		s, err := unquoteGDScript(strings.TrimSpace(l))
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		paths = append(paths, s)
	}
	return nil, fmt.Errorf("line %d: `const PATHS = [` is never closed by a line `]`", start+1)
}

// unquoteGDScript decodes one double-quoted GDScript string literal.
func unquoteGDScript(lit string) (string, error) {
	if len(lit) < 2 || lit[0] != '"' || lit[len(lit)-1] != '"' {
		return "", fmt.Errorf("expected a \"string\", got %q", lit)
	}
	body := lit[1 : len(lit)-1]
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c == '"' {
			return "", fmt.Errorf("unescaped quote in %q", lit)
		}
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(body) {
			return "", fmt.Errorf("dangling backslash in %q", lit)
		}
		switch e := body[i]; e {
		case '"', '\\', '\'':
			b.WriteByte(e)
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'u':
			if i+5 > len(body) {
				return "", fmt.Errorf("short \\u escape in %q", lit)
			}
			n, err := strconv.ParseUint(body[i+1:i+5], 16, 32)
			if err != nil {
				return "", fmt.Errorf("bad \\u escape in %q", lit)
			}
			b.WriteRune(rune(n))
			i += 4
		default:
			return "", fmt.Errorf("unsupported escape \\%c in %q", e, lit)
		}
	}
	return b.String(), nil
}

// localize is ProjectSettings::localize_path: a path inside the project
// becomes res://, any other stays as it is.
func localize(project, path string) string {
	rel, err := filepath.Rel(project, path)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return path
	}
	return "res://" + filepath.ToSlash(rel)
}
