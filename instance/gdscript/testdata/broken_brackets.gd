extends Node

var items := [1, 2, 3


func f(a, b:
	print(a, b)


func g() -> void:
	var d := {"a": (1, 2]}
	h())


func h() -> void:
	pass
