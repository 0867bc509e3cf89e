extends Node2D

var dirty := false

func _draw() -> void: draw_circle(Vector2.ZERO, 4.0, Color.RED)
func mark() -> void: dirty = true; queue_redraw()
func value(): return 42
static func twice(x: int) -> int: return x * 2


func last() -> void:
	mark()
