@tool
@icon("res://icons/player.svg")
## A platformer player: moves, jumps, takes damage.
class_name Player extends CharacterBody2D

signal health_changed(old_value: int, new_value: int)
signal died
signal item_picked(item: Item, count: int)

enum State { IDLE, RUN, JUMP = 4, FALL }
enum { LAYER_WORLD = 1, LAYER_ENEMY = 2 }

const SPEED: float = 300.0
const JUMP_VELOCITY := -400.0
const BulletScene := preload("res://scenes/bullet.tscn")
const DEATH_SCREEN = "uid://b6x4kq2y3d1v0"

@export_category("Movement")
@export var speed: float = SPEED
@export_range(0, 10, 0.1, "or_greater") var acceleration := 4.0
@export_group("Combat", "combat_")
@export_enum("Sword", "Bow", "Staff") var combat_weapon: int = 0
@export_file("*.json") var combat_table := ""
@export_node_path("Node2D") var combat_target: NodePath
@export_flags("Fire", "Water", "Earth") var elements := 0
@export_subgroup("Advanced")
@export_storage var hidden_counter := 0
@export_custom(PROPERTY_HINT_NONE, "suffix:px") var reach := 32
@export_tool_button("Reset stats") var reset_action = reset_stats
@export
var inventory: Array[Item] = []
@export var resistances: Dictionary[String, int] = {}

@onready var sprite: AnimatedSprite2D = $AnimatedSprite2D
@onready var hitbox := $"Body/Hit Box" as Area2D
@onready var hud = %HUD
@onready @export var camera: Camera2D

static var instances: int = 0

## Health, clamped to [0, max_health].
var health: int = 100:
	set(value):
		var old := health
		health = clampi(value, 0, max_health)
		health_changed.emit(old, health)
		if health == 0:
			died.emit()
	get:
		return health

var max_health := 100: set = _set_max_health, get = _get_max_health
var state: State = State.IDLE
var _tween: Tween


func _ready() -> void:
	instances += 1
	health_changed.connect(_on_health_changed)
	$Button.pressed.connect(func(): print("pressed"))
	var timer := get_tree().create_timer(1.0)
	timer.timeout.connect(
		func():
			spawn_bullet()
			queue_redraw()
	)
	if not Engine.is_editor_hint():
		ResourceLoader.load_threaded_request("res://levels/level_2.tscn")


func _physics_process(delta: float) -> void:
	if not is_on_floor():
		velocity += get_gravity() * delta
	var direction := Input.get_axis(&"move_left", &"move_right")
	match state:
		State.IDLE when direction != 0:
			state = State.RUN
		State.RUN, State.FALL:
			velocity.x = move_toward(velocity.x, direction * speed, acceleration)
		var other when other > 10:
			push_warning("odd state %d" % other)
		_:
			pass
	move_and_slide()


func take_damage(amount: int, source: Node = null) -> bool:
	if source is Enemy:
		amount = (source as Enemy).modify_damage(amount)
	health -= amount
	await get_tree().create_timer(0.2).timeout
	sprite.modulate = Color.WHITE
	return health > 0


func spawn_bullet(
	direction: Vector2 = Vector2.RIGHT,
	speed_scale := 1.0,
) -> Bullet:
	var bullet: Bullet = BulletScene.instantiate()
	bullet.direction = direction
	bullet.speed *= speed_scale
	get_parent().add_child(bullet)
	return bullet


func reset_stats() -> void: health = max_health; state = State.IDLE


static func count_instances() -> int:
	return instances


func _set_max_health(value: int) -> void:
	max_health = value
	self.health = mini(health, value)


func _get_max_health() -> int:
	return max_health


func _on_health_changed(_old: int, new_value: int) -> void:
	var doubled := [1, 2, 3].map(func(x: int) -> int: return x * 2)
	print(doubled, new_value)
	if new_value <= 0:
		get_tree().change_scene_to_file("res://scenes/game_over.tscn")


func _exit_tree() -> void:
	super()
	super._exit_tree()


class Item extends Resource:
	@export var id: StringName = &"item"
	@export var icon: Texture2D
	var count := 1

	func describe() -> String:
		return "%s x%d" % [id, count]

	class Meta:
		var tags: PackedStringArray
