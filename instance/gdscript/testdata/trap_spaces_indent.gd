extends Node

var count := 0


func tick() -> void:
    count += 1
    if count > 10:
        reset()


func reset() -> void:
    count = 0
