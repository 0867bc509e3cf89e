extends Node
	var indented_member := 1


func f() -> void:
		print("deep")
	print("back")
  print("odd")
	print("tab")


func g() -> void:
pass
