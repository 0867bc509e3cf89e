extends Node

var ok := true


func _ready() -> void:
	print("bom")
