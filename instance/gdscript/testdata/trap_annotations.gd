@tool
@static_unload
@abstract
class_name Shape extends Node2D

@export_group("Look")
@export var color := Color.WHITE
@export
@warning_ignore("unused_private_class_variable")
var _outline := 1.0
@onready @export var label: Label

@warning_ignore_start("unused_variable")
static var registry: Dictionary[StringName, Shape] = {}
@warning_ignore_restore("unused_variable")


@abstract func area() -> float


@rpc("any_peer", "call_local", "reliable")
func sync_color(c: Color) -> void:
	color = c


@warning_ignore("integer_division")
func half(n: int) -> int:
	return n / 2


func sum(...values: Array) -> int:
	var total := 0
	for v: int in values:
		total += v
	return total


@abstract class Inner:
	@abstract func run() -> void
