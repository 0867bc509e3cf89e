extends "res://addons/state_machine/state.gd".Inner.Deeper


func enter() -> void:
	pass
