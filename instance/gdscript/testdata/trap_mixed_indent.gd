extends Node


func mixed() -> void:
	print("tab")
	    print("tab then spaces")
	print("tab again")


func spaces() -> void:
    print("spaces in a tab file")


func after() -> void:
	pass
