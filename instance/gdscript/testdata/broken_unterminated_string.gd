extends Node

var title := "Unterminated title
var after := 1


func f() -> void:
	print('also unterminated)
	g()


const DOC = """never closed
func g():
	pass
