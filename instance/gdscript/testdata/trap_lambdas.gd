extends Node

var on_done := func(result: int) -> void:
	print("done ", result)
	cleanup()

var square := func(x): return x * x


func _ready() -> void:
	var handler := func():
		emit_signal("ready_done")
		helper()
	handler.call()
	get_tree().process_frame.connect(func(): tick(), CONNECT_ONE_SHOT)
	var nested := func(): return func(y: Item): return y
	after_lambdas()


func cleanup() -> void:
	pass


func helper() -> void:
	pass


func tick() -> void:
	pass


func after_lambdas() -> void:
	pass
