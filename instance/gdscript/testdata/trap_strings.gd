extends Node

var plain := "double \"quoted\" \\ \t tab\nnewline"
var single := 'single \'quoted\''
var triple := """triple "quotes" inside
second line"""
var triple_single := '''it's "fine"'''
var raw := r"C:\path\no\escapes\"still"
var raw_single := r'\d+\.\d+'
var raw_triple := r"""raw \n
multi"""
var name := &"action_jump"
var path := ^"Body/Sprite:modulate"
var unicode := "\u00e9\U01F600 \uD83D\uDE00"
var continued := "first \
second"
var hash_in_string := "# not a comment"
