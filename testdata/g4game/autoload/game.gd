extends Node

var score := 0


func _process(_delta: float) -> void:
	pass
