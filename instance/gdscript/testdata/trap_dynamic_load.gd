extends Node

var level_index := 1


func load_level() -> void:
	var scene = load("res://levels/level_%d.tscn" % level_index)
	var by_name = load("res://levels/" + name + ".tscn")
	var from_var = load(get_meta("path"))
	var threaded = ResourceLoader.load("res://data/items.tres")
	add_child(scene.instantiate())
