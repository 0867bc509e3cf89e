// Package gdtext reads Godot's text formats: the value grammar shared by project.godot, .tscn and .tres, and the INI-like project.godot file.
//
// # Values
//
// ParseValue (or Source.ParseValue, which keeps a line index for many calls
// on one file) reads one value at a byte offset and returns the offset just
// after it, so that a caller reading .tscn/.tres files can walk a file value
// by value. The grammar is the one of the engine's VariantParser, in both its
// Godot 3 and Godot 4 spellings:
//
//   - null (also nil), true, false
//   - ints, negative ints, and, as an extension the engine lacks, 0x hex
//     ints; an int too large for int64 is clamped, as the engine does
//   - floats: 1.5, -0.5, 1e-05, 1., inf, -inf, inf_neg, nan
//   - strings "..." that may span lines, with the escapes \b \t \n \f \r
//     \uXXXX \UXXXXXX (UTF-16 surrogate pairs are joined) and \c = c for any
//     other c
//   - &"name" (Godot 3 also @"name") as KindStringName
//   - NodePath("a/b") as KindNodePath: it is a distinct value type in the
//     engine, so it is a kind, not a Call
//   - #rgb, #rgba, #rrggbb, #rrggbbaa as KindColor; Str holds the text with
//     its '#'. Color(r, g, b, a) is a Call.
//   - [a, b,] arrays and {k: v,} dictionaries, trailing commas allowed
//   - Array[T]([...]) is a KindArray and Dictionary[K, V]({...}) a
//     KindDictionary; T, K and V are in Value.Type
//   - Object(Class, "prop": v, ...) is a Call named "Object" with the class
//     (an Ident) in Value.Type, the property names in Keys and the values
//     in Items, parallel
//   - any other Name(args...) is a Call: Vector2(1, 2), Color( 0, 0, 0, 1 ),
//     PackedStringArray("a"), PoolStringArray( "a" ), ExtResource( 2 ),
//     SubResource("x"), Resource("uid://x", "res://y"). The reader does not
//     check the number or type of arguments: that is the caller's business.
//   - Godot 2's key(...), mbutton(...), jbutton(...) and jaxis(...) are read
//     as the engine reads them: raw text up to ')', split at commas, each
//     piece a String item.
//   - a bare identifier that is not a keyword and not followed by '(' is a
//     KindIdent (class names inside Object(...), types inside Array[T]).
//   - ';' starts a comment that runs to the end of the line, between any two
//     tokens, as in the engine.
//
// Nesting deeper than MaxDepth is an error, never a stack overflow. No input
// makes the reader panic (FuzzParseValue and FuzzParseConfig check it).
//
// # Positions and errors
//
// Lines and columns are 1-based; columns count bytes, as go/scanner does.
// Every error is an *Error with the file, the position, what was expected
// and what was found, and an excerpt of the line.
//
// # project.godot
//
// ParseConfig reads the INI-like file: [section] headers, key=value entries
// (spaces around '=' tolerated; keys may be quoted, as in .tres files), ';'
// and '#' comment lines, values spanning many lines, a leading UTF-8 BOM and
// CRLF line endings. It never splits the file into lines first: a
// multi-line string may hold a line that starts with '[' (BBCode such as
// [table=2]). On a malformed entry it records an *Error, skips to the next
// line and carries on, so a caller always gets every entry that could be
// read; after maxErrors errors it stops.
//
// The same reader takes .tscn and .tres files: their [tag attr=value ...]
// headers are Tags (Source.ParseTag) and their name = value lines are
// Entries (Source.ParseAssign). ParseConfig keeps only a tag's name as the
// section of the entries that follow it.
package gdtext
