extends Node

const SHADER_CODE = """
shader_type canvas_item;
#define USE_OUTLINE
uniform vec4 color : source_color;
void fragment() {
#ifdef USE_OUTLINE
	COLOR = color;
#endif
}
"""

var after_shader := 1


func build() -> Shader:
	var shader := Shader.new()
	shader.code = SHADER_CODE + '''
func not_a_function():
	pass
'''
	return shader


func after() -> void:
	pass
