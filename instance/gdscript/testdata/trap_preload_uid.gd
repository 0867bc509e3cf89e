extends Node

const Hud = preload("uid://cbq8vnnd1m0rb")
var level := preload("uid://d2k3x1y0qwert") as PackedScene


func _ready() -> void:
	var tex: Texture2D = load("uid://b0t5n1mqk7rws")
	add_child(level.instantiate())
	$Icon.texture = tex
