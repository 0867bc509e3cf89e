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


func _ready_2() -> void:
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


func _physics_process_2(delta: float) -> void:
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


func take_damage_2(amount: int, source: Node = null) -> bool:
	if source is Enemy:
		amount = (source as Enemy).modify_damage(amount)
	health -= amount
	await get_tree().create_timer(0.2).timeout
	sprite.modulate = Color.WHITE
	return health > 0


func spawn_bullet_2(
	direction: Vector2 = Vector2.RIGHT,
	speed_scale := 1.0,
) -> Bullet:
	var bullet: Bullet = BulletScene.instantiate()
	bullet.direction = direction
	bullet.speed *= speed_scale
	get_parent().add_child(bullet)
	return bullet


func reset_stats_2() -> void: health = max_health; state = State.IDLE


static func count_instances_2() -> int:
	return instances


func _set_max_health_2(value: int) -> void:
	max_health = value
	self.health = mini(health, value)


func _get_max_health_2() -> int:
	return max_health


func _on_health_changed_2(_old: int, new_value: int) -> void:
	var doubled := [1, 2, 3].map(func(x: int) -> int: return x * 2)
	print(doubled, new_value)
	if new_value <= 0:
		get_tree().change_scene_to_file("res://scenes/game_over.tscn")


func _exit_tree_2() -> void:
	super()
	super._exit_tree()


func _ready_3() -> void:
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


func _physics_process_3(delta: float) -> void:
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


func take_damage_3(amount: int, source: Node = null) -> bool:
	if source is Enemy:
		amount = (source as Enemy).modify_damage(amount)
	health -= amount
	await get_tree().create_timer(0.2).timeout
	sprite.modulate = Color.WHITE
	return health > 0


func spawn_bullet_3(
	direction: Vector2 = Vector2.RIGHT,
	speed_scale := 1.0,
) -> Bullet:
	var bullet: Bullet = BulletScene.instantiate()
	bullet.direction = direction
	bullet.speed *= speed_scale
	get_parent().add_child(bullet)
	return bullet


func reset_stats_3() -> void: health = max_health; state = State.IDLE


static func count_instances_3() -> int:
	return instances


func _set_max_health_3(value: int) -> void:
	max_health = value
	self.health = mini(health, value)


func _get_max_health_3() -> int:
	return max_health


func _on_health_changed_3(_old: int, new_value: int) -> void:
	var doubled := [1, 2, 3].map(func(x: int) -> int: return x * 2)
	print(doubled, new_value)
	if new_value <= 0:
		get_tree().change_scene_to_file("res://scenes/game_over.tscn")


func _exit_tree_3() -> void:
	super()
	super._exit_tree()


func _ready_4() -> void:
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


func _physics_process_4(delta: float) -> void:
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


func take_damage_4(amount: int, source: Node = null) -> bool:
	if source is Enemy:
		amount = (source as Enemy).modify_damage(amount)
	health -= amount
	await get_tree().create_timer(0.2).timeout
	sprite.modulate = Color.WHITE
	return health > 0


func spawn_bullet_4(
	direction: Vector2 = Vector2.RIGHT,
	speed_scale := 1.0,
) -> Bullet:
	var bullet: Bullet = BulletScene.instantiate()
	bullet.direction = direction
	bullet.speed *= speed_scale
	get_parent().add_child(bullet)
	return bullet


func reset_stats_4() -> void: health = max_health; state = State.IDLE


static func count_instances_4() -> int:
	return instances


func _set_max_health_4(value: int) -> void:
	max_health = value
	self.health = mini(health, value)


func _get_max_health_4() -> int:
	return max_health


func _on_health_changed_4(_old: int, new_value: int) -> void:
	var doubled := [1, 2, 3].map(func(x: int) -> int: return x * 2)
	print(doubled, new_value)
	if new_value <= 0:
		get_tree().change_scene_to_file("res://scenes/game_over.tscn")


func _exit_tree_4() -> void:
	super()
	super._exit_tree()


func _ready_5() -> void:
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


func _physics_process_5(delta: float) -> void:
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


func take_damage_5(amount: int, source: Node = null) -> bool:
	if source is Enemy:
		amount = (source as Enemy).modify_damage(amount)
	health -= amount
	await get_tree().create_timer(0.2).timeout
	sprite.modulate = Color.WHITE
	return health > 0


func spawn_bullet_5(
	direction: Vector2 = Vector2.RIGHT,
	speed_scale := 1.0,
) -> Bullet:
	var bullet: Bullet = BulletScene.instantiate()
	bullet.direction = direction
	bullet.speed *= speed_scale
	get_parent().add_child(bullet)
	return bullet


func reset_stats_5() -> void: health = max_health; state = State.IDLE


static func count_instances_5() -> int:
	return instances


func _set_max_health_5(value: int) -> void:
	max_health = value
	self.health = mini(health, value)


func _get_max_health_5() -> int:
	return max_health


func _on_health_changed_5(_old: int, new_value: int) -> void:
	var doubled := [1, 2, 3].map(func(x: int) -> int: return x * 2)
	print(doubled, new_value)
	if new_value <= 0:
		get_tree().change_scene_to_file("res://scenes/game_over.tscn")


func _exit_tree_5() -> void:
	super()
	super._exit_tree()


func _ready_6() -> void:
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


func _physics_process_6(delta: float) -> void:
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


func take_damage_6(amount: int, source: Node = null) -> bool:
	if source is Enemy:
		amount = (source as Enemy).modify_damage(amount)
	health -= amount
	await get_tree().create_timer(0.2).timeout
	sprite.modulate = Color.WHITE
	return health > 0


func spawn_bullet_6(
	direction: Vector2 = Vector2.RIGHT,
	speed_scale := 1.0,
) -> Bullet:
	var bullet: Bullet = BulletScene.instantiate()
	bullet.direction = direction
	bullet.speed *= speed_scale
	get_parent().add_child(bullet)
	return bullet


func reset_stats_6() -> void: health = max_health; state = State.IDLE


static func count_instances_6() -> int:
	return instances


func _set_max_health_6(value: int) -> void:
	max_health = value
	self.health = mini(health, value)


func _get_max_health_6() -> int:
	return max_health


func _on_health_changed_6(_old: int, new_value: int) -> void:
	var doubled := [1, 2, 3].map(func(x: int) -> int: return x * 2)
	print(doubled, new_value)
	if new_value <= 0:
		get_tree().change_scene_to_file("res://scenes/game_over.tscn")


func _exit_tree_6() -> void:
	super()
	super._exit_tree()


func _ready_7() -> void:
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


func _physics_process_7(delta: float) -> void:
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


func take_damage_7(amount: int, source: Node = null) -> bool:
	if source is Enemy:
		amount = (source as Enemy).modify_damage(amount)
	health -= amount
	await get_tree().create_timer(0.2).timeout
	sprite.modulate = Color.WHITE
	return health > 0


func spawn_bullet_7(
	direction: Vector2 = Vector2.RIGHT,
	speed_scale := 1.0,
) -> Bullet:
	var bullet: Bullet = BulletScene.instantiate()
	bullet.direction = direction
	bullet.speed *= speed_scale
	get_parent().add_child(bullet)
	return bullet


func reset_stats_7() -> void: health = max_health; state = State.IDLE


static func count_instances_7() -> int:
	return instances


func _set_max_health_7(value: int) -> void:
	max_health = value
	self.health = mini(health, value)


func _get_max_health_7() -> int:
	return max_health


func _on_health_changed_7(_old: int, new_value: int) -> void:
	var doubled := [1, 2, 3].map(func(x: int) -> int: return x * 2)
	print(doubled, new_value)
	if new_value <= 0:
		get_tree().change_scene_to_file("res://scenes/game_over.tscn")


func _exit_tree_7() -> void:
	super()
	super._exit_tree()


func _ready_8() -> void:
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


func _physics_process_8(delta: float) -> void:
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


func take_damage_8(amount: int, source: Node = null) -> bool:
	if source is Enemy:
		amount = (source as Enemy).modify_damage(amount)
	health -= amount
	await get_tree().create_timer(0.2).timeout
	sprite.modulate = Color.WHITE
	return health > 0


func spawn_bullet_8(
	direction: Vector2 = Vector2.RIGHT,
	speed_scale := 1.0,
) -> Bullet:
	var bullet: Bullet = BulletScene.instantiate()
	bullet.direction = direction
	bullet.speed *= speed_scale
	get_parent().add_child(bullet)
	return bullet


func reset_stats_8() -> void: health = max_health; state = State.IDLE


static func count_instances_8() -> int:
	return instances


func _set_max_health_8(value: int) -> void:
	max_health = value
	self.health = mini(health, value)


func _get_max_health_8() -> int:
	return max_health


func _on_health_changed_8(_old: int, new_value: int) -> void:
	var doubled := [1, 2, 3].map(func(x: int) -> int: return x * 2)
	print(doubled, new_value)
	if new_value <= 0:
		get_tree().change_scene_to_file("res://scenes/game_over.tscn")


func _exit_tree_8() -> void:
	super()
	super._exit_tree()


func _ready_9() -> void:
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


func _physics_process_9(delta: float) -> void:
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


func take_damage_9(amount: int, source: Node = null) -> bool:
	if source is Enemy:
		amount = (source as Enemy).modify_damage(amount)
	health -= amount
	await get_tree().create_timer(0.2).timeout
	sprite.modulate = Color.WHITE
	return health > 0


func spawn_bullet_9(
	direction: Vector2 = Vector2.RIGHT,
	speed_scale := 1.0,
) -> Bullet:
	var bullet: Bullet = BulletScene.instantiate()
	bullet.direction = direction
	bullet.speed *= speed_scale
	get_parent().add_child(bullet)
	return bullet


func reset_stats_9() -> void: health = max_health; state = State.IDLE


static func count_instances_9() -> int:
	return instances


func _set_max_health_9(value: int) -> void:
	max_health = value
	self.health = mini(health, value)


func _get_max_health_9() -> int:
	return max_health


func _on_health_changed_9(_old: int, new_value: int) -> void:
	var doubled := [1, 2, 3].map(func(x: int) -> int: return x * 2)
	print(doubled, new_value)
	if new_value <= 0:
		get_tree().change_scene_to_file("res://scenes/game_over.tscn")


func _exit_tree_9() -> void:
	super()
	super._exit_tree()


func _ready_10() -> void:
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


func _physics_process_10(delta: float) -> void:
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


func take_damage_10(amount: int, source: Node = null) -> bool:
	if source is Enemy:
		amount = (source as Enemy).modify_damage(amount)
	health -= amount
	await get_tree().create_timer(0.2).timeout
	sprite.modulate = Color.WHITE
	return health > 0


func spawn_bullet_10(
	direction: Vector2 = Vector2.RIGHT,
	speed_scale := 1.0,
) -> Bullet:
	var bullet: Bullet = BulletScene.instantiate()
	bullet.direction = direction
	bullet.speed *= speed_scale
	get_parent().add_child(bullet)
	return bullet


func reset_stats_10() -> void: health = max_health; state = State.IDLE


static func count_instances_10() -> int:
	return instances


func _set_max_health_10(value: int) -> void:
	max_health = value
	self.health = mini(health, value)


func _get_max_health_10() -> int:
	return max_health


func _on_health_changed_10(_old: int, new_value: int) -> void:
	var doubled := [1, 2, 3].map(func(x: int) -> int: return x * 2)
	print(doubled, new_value)
	if new_value <= 0:
		get_tree().change_scene_to_file("res://scenes/game_over.tscn")


func _exit_tree_10() -> void:
	super()
	super._exit_tree()


func _ready_11() -> void:
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


func _physics_process_11(delta: float) -> void:
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


func take_damage_11(amount: int, source: Node = null) -> bool:
	if source is Enemy:
		amount = (source as Enemy).modify_damage(amount)
	health -= amount
	await get_tree().create_timer(0.2).timeout
	sprite.modulate = Color.WHITE
	return health > 0


func spawn_bullet_11(
	direction: Vector2 = Vector2.RIGHT,
	speed_scale := 1.0,
) -> Bullet:
	var bullet: Bullet = BulletScene.instantiate()
	bullet.direction = direction
	bullet.speed *= speed_scale
	get_parent().add_child(bullet)
	return bullet


func reset_stats_11() -> void: health = max_health; state = State.IDLE


static func count_instances_11() -> int:
	return instances


func _set_max_health_11(value: int) -> void:
	max_health = value
	self.health = mini(health, value)


func _get_max_health_11() -> int:
	return max_health


func _on_health_changed_11(_old: int, new_value: int) -> void:
	var doubled := [1, 2, 3].map(func(x: int) -> int: return x * 2)
	print(doubled, new_value)
	if new_value <= 0:
		get_tree().change_scene_to_file("res://scenes/game_over.tscn")


func _exit_tree_11() -> void:
	super()
	super._exit_tree()


func _ready_12() -> void:
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


func _physics_process_12(delta: float) -> void:
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


func take_damage_12(amount: int, source: Node = null) -> bool:
	if source is Enemy:
		amount = (source as Enemy).modify_damage(amount)
	health -= amount
	await get_tree().create_timer(0.2).timeout
	sprite.modulate = Color.WHITE
	return health > 0


func spawn_bullet_12(
	direction: Vector2 = Vector2.RIGHT,
	speed_scale := 1.0,
) -> Bullet:
	var bullet: Bullet = BulletScene.instantiate()
	bullet.direction = direction
	bullet.speed *= speed_scale
	get_parent().add_child(bullet)
	return bullet


func reset_stats_12() -> void: health = max_health; state = State.IDLE


static func count_instances_12() -> int:
	return instances


func _set_max_health_12(value: int) -> void:
	max_health = value
	self.health = mini(health, value)


func _get_max_health_12() -> int:
	return max_health


func _on_health_changed_12(_old: int, new_value: int) -> void:
	var doubled := [1, 2, 3].map(func(x: int) -> int: return x * 2)
	print(doubled, new_value)
	if new_value <= 0:
		get_tree().change_scene_to_file("res://scenes/game_over.tscn")


func _exit_tree_12() -> void:
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
