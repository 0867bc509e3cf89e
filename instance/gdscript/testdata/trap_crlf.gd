extends Node

signal changed

var text := "a\
b"


func _ready() -> void:
	if text:
		changed.emit()
	print("crlf")
