package uid

import (
	"bytes"
	"strings"
)

// prefix starts the text form of every uid.
const prefix = "uid://"

// base is the number of digits: a-y then 0-8. The engine means a-z and
// 0-9 but its constants are off by one (GH-83843).
const base = 34

// maxDigits is the length of the largest uid, 2^63-1.
const maxDigits = 13

// digit returns the value of one character of a uid, or -1.
func digit(c byte) int {
	switch {
	case c >= 'a' && c <= 'y':
		return int(c - 'a')
	case c >= '0' && c <= '8':
		return int(c-'0') + 25
	}
	return -1
}

// Decode returns the number of a "uid://..." text, or false when it is
// not one the engine could have written; see the package documentation.
func Decode(text string) (uint64, bool) {
	digits, ok := strings.CutPrefix(text, prefix)
	if !ok || len(digits) == 0 || len(digits) > maxDigits {
		return 0, false
	}
	var id uint64
	for i := 0; i < len(digits); i++ {
		d := digit(digits[i])
		if d < 0 {
			return 0, false
		}
		if id > (1<<63-1-uint64(d))/base {
			return 0, false // 2^63 or more
		}
		id = id*base + uint64(d)
	}
	return id, true
}

// Encode returns the text form of a uid, as the engine writes it. Only the
// low 63 bits count: the engine's uids are never negative.
func Encode(id uint64) string {
	id &= 1<<63 - 1
	var buf [len(prefix) + maxDigits]byte
	i := len(buf)
	for {
		d := byte(id % base)
		if d < 25 {
			buf[i-1] = 'a' + d
		} else {
			buf[i-1] = '0' + d - 25
		}
		i--
		id /= base
		if id == 0 {
			break
		}
	}
	i -= len(prefix)
	copy(buf[i:], prefix)
	return string(buf[i:])
}

// FromSidecar returns the uid held by a <file>.uid sidecar: one line
// "uid://...", possibly with a BOM, spaces and a line ending around it.
func FromSidecar(src []byte) (string, bool) {
	src = bytes.TrimPrefix(src, []byte("\xEF\xBB\xBF"))
	text := string(bytes.TrimSpace(src))
	if _, ok := Decode(text); !ok {
		return "", false
	}
	return text, true
}
