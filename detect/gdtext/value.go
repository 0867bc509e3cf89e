package gdtext

import (
	"math"
	"strconv"
	"strings"
)

// Kind is the kind of a Value.
type Kind uint8

// The kinds of values. The zero Kind is KindNull, so a zero Value is null.
const (
	KindNull Kind = iota
	KindBool
	KindInt
	KindFloat
	KindString
	KindStringName
	KindNodePath
	KindColor // #rrggbb literal; Color(...) is a KindCall
	KindArray
	KindDictionary
	KindCall  // Name(args...): constructors, resource references, Object(...)
	KindIdent // a bare identifier that is not a keyword
)

func (k Kind) String() string {
	switch k {
	case KindNull:
		return "null"
	case KindBool:
		return "bool"
	case KindInt:
		return "int"
	case KindFloat:
		return "float"
	case KindString:
		return "string"
	case KindStringName:
		return "string name"
	case KindNodePath:
		return "node path"
	case KindColor:
		return "color"
	case KindArray:
		return "array"
	case KindDictionary:
		return "dictionary"
	case KindCall:
		return "call"
	case KindIdent:
		return "identifier"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Value is one value of the grammar. Which fields are set depends on Kind:
//
//	KindBool                      Bool
//	KindInt                       Int
//	KindFloat                     Float
//	KindString, KindStringName,
//	KindNodePath                  Str: the decoded text
//	KindColor                     Str: the literal as written, with its '#'
//	KindIdent                     Str: the identifier
//	KindArray                     Items; Type: [T] for Array[T]([...])
//	KindDictionary                Keys and Items, parallel; Type: [K, V] for Dictionary[K, V]({...})
//	KindCall                      Str: the name ("Vector2", "ExtResource", ...); Items: the arguments.
//	                              For Object(Class, "k": v): Type: [Class], Keys: property names, Items: values.
type Value struct {
	Kind  Kind
	Pos   Pos
	Bool  bool
	Int   int64
	Float float64
	Str   string
	Items []Value
	Keys  []Value
	Type  []Value
}

// AsString returns the text of a String, StringName or NodePath value.
func (v Value) AsString() (string, bool) {
	switch v.Kind {
	case KindString, KindStringName, KindNodePath:
		return v.Str, true
	}
	return "", false
}

// AsInt returns the value of an Int.
func (v Value) AsInt() (int64, bool) {
	if v.Kind == KindInt {
		return v.Int, true
	}
	return 0, false
}

// AsFloat returns the value of a Float or an Int.
func (v Value) AsFloat() (float64, bool) {
	switch v.Kind {
	case KindFloat:
		return v.Float, true
	case KindInt:
		return float64(v.Int), true
	}
	return 0, false
}

// AsBool returns the value of a Bool.
func (v Value) AsBool() (bool, bool) {
	if v.Kind == KindBool {
		return v.Bool, true
	}
	return false, false
}

// IsCall reports whether v is a call of the given name, e.g. "ExtResource".
func (v Value) IsCall(name string) bool {
	return v.Kind == KindCall && v.Str == name
}

// Strings returns the string elements of an array or of a string-array
// constructor (PackedStringArray, PoolStringArray, StringArray); elements
// that are not strings are left out. It returns nil for any other value.
func (v Value) Strings() []string {
	switch {
	case v.Kind == KindArray:
	case v.Kind == KindCall && (v.Str == "PackedStringArray" || v.Str == "PoolStringArray" || v.Str == "StringArray"):
	default:
		return nil
	}
	out := make([]string, 0, len(v.Items))
	for _, it := range v.Items {
		if s, ok := it.AsString(); ok {
			out = append(out, s)
		}
	}
	return out
}

// Get returns the value under a string key of a dictionary, or a property
// of an Object(...) call. Keys may be strings or string names. When a key
// is repeated, the last one wins, as in the engine.
func (v Value) Get(key string) (Value, bool) {
	if v.Kind != KindDictionary && !v.IsCall("Object") {
		return Value{}, false
	}
	for i := len(v.Keys) - 1; i >= 0; i-- {
		if s, ok := v.Keys[i].AsString(); ok && s == key && i < len(v.Items) {
			return v.Items[i], true
		}
	}
	return Value{}, false
}

// String renders v in the grammar it was read from, on one line except
// where a string holds newlines. Reading the result back gives an equal
// value (positions aside).
func (v Value) String() string {
	var b strings.Builder
	v.write(&b)
	return b.String()
}

func (v Value) write(b *strings.Builder) {
	switch v.Kind {
	case KindNull:
		b.WriteString("null")
	case KindBool:
		b.WriteString(strconv.FormatBool(v.Bool))
	case KindInt:
		b.WriteString(strconv.FormatInt(v.Int, 10))
	case KindFloat:
		b.WriteString(formatFloat(v.Float))
	case KindString:
		writeQuoted(b, v.Str)
	case KindStringName:
		b.WriteByte('&')
		writeQuoted(b, v.Str)
	case KindNodePath:
		b.WriteString("NodePath(")
		writeQuoted(b, v.Str)
		b.WriteByte(')')
	case KindColor, KindIdent:
		b.WriteString(v.Str)
	case KindArray:
		if len(v.Type) > 0 {
			b.WriteString("Array[")
			writeList(b, v.Type)
			b.WriteString("](")
		}
		b.WriteByte('[')
		writeList(b, v.Items)
		b.WriteByte(']')
		if len(v.Type) > 0 {
			b.WriteByte(')')
		}
	case KindDictionary:
		if len(v.Type) > 0 {
			b.WriteString("Dictionary[")
			writeList(b, v.Type)
			b.WriteString("](")
		}
		b.WriteByte('{')
		writePairs(b, v.Keys, v.Items)
		b.WriteByte('}')
		if len(v.Type) > 0 {
			b.WriteByte(')')
		}
	case KindCall:
		b.WriteString(v.Str)
		b.WriteByte('(')
		switch {
		case v.Str == "Object":
			writeList(b, v.Type)
			if len(v.Keys) > 0 {
				b.WriteString(", ")
			}
			writePairs(b, v.Keys, v.Items)
		case isRawCall(v.Str):
			for i, it := range v.Items {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(it.Str)
			}
		default:
			writeList(b, v.Items)
		}
		b.WriteByte(')')
	default:
		b.WriteString("null")
	}
}

func writeList(b *strings.Builder, vs []Value) {
	for i, it := range vs {
		if i > 0 {
			b.WriteString(", ")
		}
		it.write(b)
	}
}

func writePairs(b *strings.Builder, keys, items []Value) {
	for i := range min(len(keys), len(items)) {
		if i > 0 {
			b.WriteString(", ")
		}
		keys[i].write(b)
		b.WriteString(": ")
		items[i].write(b)
	}
}

// writeQuoted escapes only '"' and '\', as the engine does when it saves:
// newlines stay raw.
func writeQuoted(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
}

func formatFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".e") {
		s += ".0" // keep it a float when read back
	}
	return s
}
