package gdtext

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Pos is a position in a file. Line and Col are 1-based; Col counts bytes.
type Pos struct{ Line, Col int }

func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

// Error is a syntax error at a position. Msg says what was expected and
// what was found; Excerpt is the text of the line around the position.
type Error struct {
	File    string
	Pos     Pos
	Msg     string
	Excerpt string
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteByte(':')
	}
	fmt.Fprintf(&b, "%d:%d: %s", e.Pos.Line, e.Pos.Col, e.Msg)
	if e.Excerpt != "" {
		fmt.Fprintf(&b, ", near %q", e.Excerpt)
	}
	return b.String()
}

// excerptWidth bounds an excerpt on each side of the error column, so that
// an error in a minified 100 KB line stays readable.
const excerptWidth = 40

// excerpt returns the text of the line that starts at lineStart, cut to
// excerptWidth bytes either side of off, trimmed and made valid UTF-8.
func excerpt(src []byte, lineStart, off int) string {
	if lineStart < 0 || lineStart > len(src) {
		return ""
	}
	off = max(min(off, len(src)), lineStart)
	end := off
	for end < len(src) && src[end] != '\n' && end-off < excerptWidth {
		end++
	}
	start := max(lineStart, off-excerptWidth)
	// Do not start or end inside a UTF-8 sequence.
	for start > lineStart && start < len(src) && !utf8.RuneStart(src[start]) {
		start--
	}
	for end < len(src) && end > off && !utf8.RuneStart(src[end]) {
		end++
	}
	s := strings.TrimSpace(string(src[start:end]))
	return strings.ToValidUTF8(s, "\uFFFD")
}
