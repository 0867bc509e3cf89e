// Package uid decodes Godot's uid:// identifiers and reads the places where a file records its uid: text resource headers, .uid sidecars, .import files and binary resource headers (RSRC, and RSCC zstd-compressed).
//
// # Text form
//
// A uid is a 63-bit number written "uid://" plus its digits in base 34,
// most significant first, with the digits a-y (0 to 24) then 0-8 (25 to
// 33): the engine's ResourceUID::id_to_text (core/io/resource_uid.cpp).
// The largest, 2^63-1, is "uid://d4n4ub6itg400", 13 digits. The engine's
// text_to_id is laxer than its writer: it also takes 'z' (as 25, the value
// of '0') and '9' (as 34), lets the number overflow, and reads "uid://"
// alone as 0. Decode accepts only what id_to_text can write: 1 to 13
// digits of the alphabet above, with a value below 2^63. Leading 'a's
// (zeros) are accepted, as the engine accepts them, so Encode(Decode(s))
// is s only for the canonical spelling; compare uids by their numbers.
//
// # Where uids are recorded
//
//   - the uid="uid://..." of a .tscn/.tres header (read it with package
//     resfile);
//   - <file>.uid sidecars, Godot 4.4+, for scripts, shaders and other files
//     that cannot hold one (FromSidecar);
//   - [remap] uid= of <asset>.import files, Godot 4 only (ParseImport);
//   - the header of binary resources (.res, .scn, .mesh, ...), when its
//     flags have bit 2 set (ReadBinary).
//
// # Binary resources
//
// ReadBinary reads the header written by ResourceFormatSaverBinary
// (core/io/resource_format_binary.cpp): "RSRC", u32 big_endian, u32
// use_real64, u32 major, u32 minor, u32 format, the type as a u32-length
// string (NUL included), u64 import-metadata offset, u32 flags, u64 uid
// (meaningful when flags&2), and the script class as a string when
// flags&8. Godot 3 files (format 3 and below) write 14 reserved u32s after
// the offset, so their flags read as 0 and they have no uid. When
// big_endian is not 0 every field after use_real64 is big-endian, as in
// the engine.
//
// "RSCC" files are FileAccessCompressed streams
// (core/io/file_access_compressed.cpp): u32 compression mode (0 FastLZ,
// 1 Deflate, 2 Zstandard, 3 gzip, 4 Brotli; the engine writes 2), u32
// block size, u32 total uncompressed size, then total/block_size+1 u32
// compressed block sizes, then the blocks, each compressed on its own.
// ReadBinary decompresses only the blocks the header needs (the first,
// nearly always), and only Zstandard; every other mode is refused with
// ErrCompression.
//
// Every length read from a file is bounded before anything is allocated
// for it, so a corrupt file costs an error, not gigabytes.
package uid
