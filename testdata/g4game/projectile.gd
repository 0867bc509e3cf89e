extends Node2D
