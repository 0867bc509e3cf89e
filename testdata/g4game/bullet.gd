extends "res://projectile.gd"

func _process(delta):
	fly(delta)


func fly(delta):
	position.x += 400 * delta
