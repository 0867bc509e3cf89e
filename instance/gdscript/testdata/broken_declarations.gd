extends Node
extends Node2D
class_name
print("statement at class level")

func no_colon() -> void
	pass

func no_body():

var after_all := 1
