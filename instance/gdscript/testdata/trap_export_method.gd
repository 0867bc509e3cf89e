extends RefCounted
## A Godot 4 exporter whose method is named export: not Godot 3's export keyword.

var exporter := GLTFDocument.new()


func export(path: String) -> Error:
	var state := GLTFState.new()
	return exporter.write_to_filesystem(state, path)


func save_all() -> void:
	export("res://out/model.glb")
	self.export("user://backup.glb")
	exporter.export()
