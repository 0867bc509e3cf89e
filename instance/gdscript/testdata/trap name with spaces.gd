extends Control

const Dialog = preload("res://ui/My Dialog.tscn")


func _ready() -> void:
	$"Main Panel/Close Button".pressed.connect(_on_close)
	var music = load("res://audio/Theme Song.ogg")


func _on_close() -> void:
	get_tree().change_scene_to_file("res://menus/Main Menu.tscn")
