extends "../motion.gd"

var base_script = preload("res://player/motion.gd")
