package resfile

import (
	"bytes"
	"errors"
	"sort"
	"strings"

	"github.com/godot-mcp-router/godot-mcp-router/detect/gdtext"
)

// ElideBytes is the length of argument text from which a numeric packed
// array is elided; see the package documentation.
const ElideBytes = 1024

// elision is one packed array whose arguments were cut out of the source
// the value reader sees.
type elision struct {
	off   int        // offset of the constructor name in the cut source
	pos   gdtext.Pos // its position, as the value reader reports it
	bytes int        // length of the argument text cut
}

// cut is the part of one line that was cut: positions at or after Col on
// Line are Bytes further right in the real file.
type cut struct {
	line, col, bytes int
}

// numericArrays are the packed array constructors whose elements are
// numbers, in the Godot 4, 3 and 2 spellings.
var numericArrays = map[string]bool{
	"PackedByteArray": true, "PackedInt32Array": true, "PackedInt64Array": true,
	"PackedFloat32Array": true, "PackedFloat64Array": true, "PackedVector2Array": true,
	"PackedVector3Array": true, "PackedVector4Array": true, "PackedColorArray": true,
	"PoolByteArray": true, "PoolIntArray": true, "PoolRealArray": true,
	"PoolVector2Array": true, "PoolVector3Array": true, "PoolColorArray": true,
	"ByteArray": true, "IntArray": true, "FloatArray": true, "RealArray": true,
	"Vector2Array": true, "Vector3Array": true, "ColorArray": true,
}

// Byte classes for the scans below.
var (
	special [256]bool // bytes where the elision scan must look: '"', ';', '('
	numeric [256]bool // bytes of a numeric argument list
)

func init() {
	for _, c := range []byte(`";(`) {
		special[c] = true
	}
	for _, c := range []byte("0123456789,.-+eE \t\r\ninfa_g") { // inf, nan, inf_neg
		numeric[c] = true
	}
}

// elided is the result of elide.
type elided struct {
	src  []byte    // the source with the arguments cut, or the source itself
	els  []elision // sorted by off
	cuts []cut     // sorted by line, then col
}

// elide returns src with the argument text of long numeric packed arrays
// cut out, keeping newlines so that lines do not move; columns after a cut
// on its line are fixed up with fixPos. src itself is never written.
// Strings and ';' comments are skipped as the value reader skips them, so
// text inside a string is never touched.
func elide(src []byte, bom int) elided {
	var out []byte // nil until the first cut
	last := 0      // src[last:] is not yet copied to out
	var res elided
	// Position tracking in out, advanced lazily to each cut.
	line, lineStart, at := 1, bom, bom
	posIn := func(buf []byte, off int) gdtext.Pos {
		for ; at < off; at++ {
			if buf[at] == '\n' {
				line, lineStart = line+1, at+1
			}
		}
		return gdtext.Pos{Line: line, Col: off - lineStart + 1}
	}
	for i := bom; i < len(src); {
		for i < len(src) && !special[src[i]] {
			i++
		}
		if i >= len(src) {
			break
		}
		switch src[i] {
		case '"':
			i = skipString(src, i)
			continue
		case ';':
			nl := bytes.IndexByte(src[i:], '\n')
			if nl < 0 {
				i = len(src)
			} else {
				i += nl
			}
			continue
		}
		// '(': is it a numeric packed array with long arguments?
		open := i
		i++
		nameEnd := open
		for nameEnd > 0 && (src[nameEnd-1] == ' ' || src[nameEnd-1] == '\t') {
			nameEnd--
		}
		name := nameEnd
		for name > 0 && isIdentChar(src[name-1]) {
			name--
		}
		if !numericArrays[string(src[name:nameEnd])] {
			continue
		}
		end := open + 1
		for end < len(src) && numeric[src[end]] {
			end++
		}
		if end >= len(src) || src[end] != ')' || end-(open+1) < ElideBytes {
			continue
		}
		// Cut src[open+1:end], keeping its newlines.
		if out == nil {
			out = make([]byte, 0, len(src))
		}
		out = append(out, src[last:open+1]...)
		res.els = append(res.els, elision{off: len(out) - (open + 1 - name), bytes: end - (open + 1)})
		p := posIn(out, len(out))
		segStart := open + 1
		for {
			nl := bytes.IndexByte(src[segStart:end], '\n')
			if nl < 0 {
				break
			}
			res.cuts = append(res.cuts, cut{line: p.Line, col: p.Col, bytes: nl})
			out = append(out, '\n')
			p = posIn(out, len(out))
			segStart += nl + 1
		}
		res.cuts = append(res.cuts, cut{line: p.Line, col: p.Col, bytes: end - segStart})
		last, i = end, end
	}
	if out == nil {
		res.src = src
		return res
	}
	res.src = append(out, src[last:]...)
	// The positions of the constructor names, as the value reader will
	// report them.
	line, lineStart, at = 1, bom, bom
	for k := range res.els {
		res.els[k].pos = posIn(res.src, res.els[k].off)
	}
	return res
}

// skipString returns the offset after the string that starts at src[i],
// a '"', honouring backslash escapes.
func skipString(src []byte, i int) int {
	i++
	for {
		k := bytes.IndexAny(src[i:], `"\`)
		if k < 0 {
			return len(src)
		}
		i += k
		if src[i] == '"' {
			return i + 1
		}
		i += 2 // a backslash and the byte it escapes
		if i >= len(src) {
			return len(src)
		}
	}
}

func isIdentChar(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// elisionsIn returns the elisions inside the cut source's [start, end),
// or nil.
func (p *parser) elisionsIn(start, end int) []elision {
	els := p.cut.els
	i := sort.Search(len(els), func(i int) bool { return els[i].off >= start })
	j := i
	for j < len(els) && els[j].off < end {
		j++
	}
	if i == j {
		return nil
	}
	return els[i:j]
}

// fixValue sets Value.Int to the number of bytes cut on each elided array
// inside v, and moves the columns of values that follow a cut on its line
// back to where they are in the real file.
func (p *parser) fixValue(v *gdtext.Value, els []elision) {
	if v.Kind == gdtext.KindCall && len(v.Items) == 0 && strings.HasSuffix(v.Str, "Array") {
		for _, e := range els {
			if e.pos == v.Pos {
				v.Int = int64(e.bytes)
				break
			}
		}
	}
	v.Pos = p.fixPos(v.Pos)
	for k := range v.Items {
		p.fixValue(&v.Items[k], els)
	}
	for k := range v.Keys {
		p.fixValue(&v.Keys[k], els)
	}
	for k := range v.Type {
		p.fixValue(&v.Type[k], els)
	}
}

// fixPos returns the position in the real file of a position in the cut
// source.
func (p *parser) fixPos(pos gdtext.Pos) gdtext.Pos {
	cuts := p.cut.cuts
	i := sort.Search(len(cuts), func(i int) bool { return cuts[i].line >= pos.Line })
	col := pos.Col
	for ; i < len(cuts) && cuts[i].line == pos.Line && cuts[i].col <= pos.Col; i++ {
		col += cuts[i].bytes
	}
	pos.Col = col
	return pos
}

// fixError moves the position of a value reader's error back to where it
// is in the real file.
func (p *parser) fixError(err error) {
	var e *gdtext.Error
	if len(p.cut.cuts) > 0 && errors.As(err, &e) {
		e.Pos = p.fixPos(e.Pos)
	}
}
