class_name Player
extends CharacterBody2D
## The player: moves, jumps, dies.

signal died(cause: String)

const Bullet = preload("res://bullet.gd")

@export var speed: float = 200.0
@onready var sprite: Sprite2D = $Sprite

var health := 3


func _physics_process(delta: float) -> void:
	move(delta)
	if health <= 0:
		died.emit("health")


func move(delta: float) -> void:
	apply_gravity(delta)
	velocity.x = Input.get_axis("ui_left", "ui_right") * speed
	move_and_slide()


func apply_gravity(delta: float) -> void:
	velocity.y += 980.0 * delta


func shoot() -> Node2D:
	var b: Node2D = Bullet.new()
	return b
