extends Node
#region Constants
## The table of moves.
const MOVES = {
	"left": Vector2.LEFT, # trailing comment inside braces
	"right": Vector2.RIGHT,
}
#endregion

var a := 1; var b := 2
var long_sum := 1 + \
	2


func f() -> void:
	var x := [
		1,
	2,
			3]
	if x.size() > 2 and \
			a > 0:
		print(x); print(b)
	# a comment at another indentation
		# deeper comment
	g()


func g() -> void:
	pass
