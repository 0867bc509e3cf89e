# A helper with no extends: a RefCounted (Reference in Godot 3).
class_name MathUtils

const EPSILON = 0.0001


static func approx(a: float, b: float) -> bool:
	return abs(a - b) < EPSILON
