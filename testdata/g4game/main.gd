extends Node2D

var player: Player


func _ready() -> void:
	player = $Player
	player.died.connect(_on_player_died)


func _on_player_died(cause: String) -> void:
	print("died: ", cause)
	get_tree().change_scene_to_file("res://main.tscn")
