class_name Boss extends "uid://c8r7fe3n2k1pq"
