tool
extends KinematicBody2D
class_name Enemy, "res://icons/enemy.svg"

# Godot 3 enemy: patrols, chases the player, syncs over the network.

signal died(enemy)
signal damaged(amount, source)

enum Mode { PATROL, CHASE, DEAD }

const Bullet = preload("res://enemies/bullet.tscn")
const WALK_SPEED = 120

export var max_health = 3
export(int, 0, 10) var armor = 2
export(float, 0.0, 1.0, 0.05) var dodge_chance = 0.1
export(String, FILE, "*.json") var loot_table = "res://data/loot.json"
export(Array, Texture) var frames = []
export(NodePath) var target_path
export(PackedScene) var corpse_scene
onready var sprite = $Sprite
onready var anim = get_node("AnimationPlayer")
onready export var patrol_points = PoolVector2Array()
onready var label = $"UI/Name Label"

var health = 3 setget set_health, get_health
var mode = Mode.PATROL setget set_mode
var speed = WALK_SPEED setget , get_speed
puppet var puppet_position = Vector2()
var _player = null


func _ready():
	set_physics_process(true)
	connect("died", self, "_on_died")
	$Timer.connect("timeout", self, "_on_timer_timeout")
	if Engine.editor_hint:
		return
	_player = get_tree().get_nodes_in_group("player")[0]


func _physics_process(delta):
	if is_network_master():
		var motion = (_player.position - position).normalized() * speed
		move_and_slide(motion)
		rset_unreliable("puppet_position", position)
	else:
		position = puppet_position


remote func hit(amount, source = null):
	self.health -= amount
	emit_signal("damaged", amount, source)
	if health <= 0:
		die()


master func die():
	mode = Mode.DEAD
	emit_signal("died", self)
	yield(get_tree().create_timer(0.5), "timeout")
	yield(anim, "animation_finished")
	var corpse = corpse_scene.instance()
	get_parent().add_child(corpse)
	queue_free()


puppetsync func play_effect(name):
	.play_effect(name)
	var scene = load("res://effects/" + name + ".tscn")
	add_child(scene.instance())


func set_health(value):
	health = clamp(value, 0, max_health)
	update()


func get_health():
	return health


func set_mode(value):
	mode = value


func get_speed():
	return speed * (2 if mode == Mode.CHASE else 1)


func _on_died(_enemy):
	get_tree().change_scene("res://scenes/victory.tscn")


func _on_timer_timeout():
	if randf() < dodge_chance:
		$AnimationPlayer.play("dodge")


class Loot:
	extends Reference
	var item_id = ""
	var count = 1

	func _init(id, n = 1):
		item_id = id
		count = n
