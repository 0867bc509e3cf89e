extends Node
class_name Jugador

signal ganó(puntos: int)

var vélocité := 3.5
var 名前: String = "プレイヤー"
@onready var étiquette: Label = $"Interface/Étiquette"
@onready var 按钮 = $界面/按钮


func sauter() -> void:
	ganó.emit(10)
	print("¡Hola!", 名前, vélocité)
	get_node("Ñandú/Ojo").show()
