extends Node


func spawn(
		scene: PackedScene,
		at: Vector2 = Vector2(0, 0),
		parent: Node = null,
		options := {"visible": true,
			"layer": 2},
) -> Node:
	var node := scene.instantiate()
	(parent if parent else self).add_child(node)
	return node


func long_call() -> void:
	spawn(preload("res://scenes/tree.tscn"),
		Vector2(10,
			20))
	var total := 1 + \
		2 + \
		3
	print(total)
