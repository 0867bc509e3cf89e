extends Node

@onready var a = $A/B/C
@onready var quoted = $"../Sibling"
@onready var unique = %ScoreLabel
@onready var unique_quoted = %"Score Label"
@onready var unique_child = $%Panel/Label
var np := ^"Path/To:property"
var g3 = @"Godot3/NodePath"


func _ready() -> void:
	var n = get_node("Camera2D")
	var m = get_node_or_null(^"Optional")
	var p = self.get_node("Self/Path")
	var q = get_parent().get_node("Not/Recorded")
	var ratio = 10 % 3
	var modulo = n.x % 2
	if has_node("HUD"):
		print(%HUD.visible)
