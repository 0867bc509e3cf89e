extends Node

enum Kind { A, B }


func classify(value) -> String:
	match value:
		Kind.A:
			return "a"
		[var first, ..] when first > 0:
			return "positive list"
		{"type": var t}:
			return str(t)
		var x when x is Weapon:
			return (x as Weapon).name
		_:
			return "other"
