@tool
extends EditorScript

# Generates scripts from a template. The preload inside the string is text,
# not a dependency of this file.
const TEMPLATE = """extends Node
const Script = preload("{script}")
var scene = load("res://{scene}.tscn")
"""


func _run() -> void:
	var code := TEMPLATE.format({"script": "res://gen/a.gd", "scene": "main"})
	var path := "res://levels/level_%d.tscn" % 3
	var other := "res://{folder}/x.tscn".format({"folder": "f"})
	print(code, path, other, 'preload("res://not/a/dep.gd")')
