// Package gdscript reads GDScript source: a real tokenizer (not regular expressions) and an outline of what a script declares and what it references, for Godot 3 and Godot 4.
//
// # Tokens
//
// Tokenize follows the engine's tokenizer (modules/gdscript/gdscript_tokenizer.cpp):
//
//   - Newline ends a logical line. Newlines inside () [] {} and after a
//     trailing backslash do not; blank and comment-only lines produce no
//     tokens besides their Comment. Indent and Dedent come before the first
//     token of a line whose indentation changes.
//   - Indentation is tabs or spaces. Mixing them within one indentation, or
//     indenting with spaces in a file that indents with tabs (or the other
//     way round), is an error, as in the engine; a tab counts 4 columns so
//     that reading can go on. A dedent to a width no outer block has is an
//     error; the lines at that width form a block that emits no Indent or
//     Dedent of its own.
//   - Strings: "..." and '...', triple-quoted with either quote, raw
//     (r"..."), &"StringName", ^"Node/Path" and Godot 3's @"Node/Path". Text is the
//     decoded value: \n \t \r \a \b \f \v \" \' \\ \uXXXX (UTF-16 surrogate
//     pairs are joined) \UXXXXXX, and a backslash before a newline continues
//     the string. Raw strings keep their backslashes. A one-line string
//     that reaches the end of its line is reported as unterminated there,
//     so the next line is read normally.
//   - $A/B, $"A/B", %Unique and %"Unique" are NodeRef tokens. '%' is a
//     unique-node sigil only where an operand is expected, so `a % b` stays
//     the modulo operator.
//   - Words reserved in only one engine version (tool, export, onready,
//     setget, remote, master, puppet, sync, yield, when, ...) are
//     Identifiers; the parser reads them by position. `obj.export()` and a
//     func named export in Godot 4 code are therefore not Godot 3 exports.
//   - Positions are 1-based; columns count bytes, a tab is one column, and a
//     BOM at the start of the file is not a column.
//   - Errors do not stop the tokenizer. An unclosed bracket swallows lines
//     only until a line that starts at column 1 with a declaration keyword
//     (func, var, const, signal, class, class_name, extends, enum, static)
//     or an annotation: a working script has none inside brackets.
//
// # Outline
//
// Parse reads the class level statement by statement (tool, extends,
// class_name, signal, enum, const, var, func, class and annotations) and
// scans bodies, initializers and default values token by token for
// references, so broken code still yields its references. Choices the
// engine leaves open:
//
//   - Annotations apply to the next declaration, on the same line or on
//     the lines after; @tool, @icon, @static_unload, @export_category,
//     @export_group and @export_subgroup stand alone.
//   - Variable.Export holds the annotation text ("@export_range(0, 10)") or
//     Godot 3's export hint ("export(int, 0, 10)"). Godot 4 accessors with a
//     body are recorded as Setter "set" / Getter "get"; named accessors
//     (setget, set = f) by their function's name.
//   - Values, defaults and annotation texts are rebuilt from tokens, one
//     space where the source had blanks, "; " between the lines of a lambda
//     block, and cut at 200 bytes.
//   - Lambdas are not Functions; their calls count for the function or
//     variable that contains them. Calls leave out load, preload and yield
//     (they are Loads or keywords) and super calls (super(), super.f() and
//     Godot 3's .f()).
//   - References (Loads, Paths, NodePaths, SignalUses, TypeRefs) and Errors
//     are collected for the whole file on the top-level Script. A dynamic
//     load keeps its argument's text in Path; strings inside a load or
//     preload are not Paths, and neither are strings holding '{', '}' or '%'
//     (templates) or a line break.
//   - get_node, get_node_or_null and has_node count as node paths only when
//     called on self (bare or self.): on another node the path is relative
//     to that node.
//   - Doc holds the ## comment lines directly above a declaration (above its
//     annotations, if any); for the script, above class_name or extends.
//
// Parse never panics and never loops: inner classes and lambdas in default
// values are the only recursion, bounded by maxDepth; every loop consumes a
// token; errors are capped at 100 per file. Fuzz tests check it.
package gdscript
