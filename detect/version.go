package detect

import (
	"cmp"
	"strings"
)

// compareVersions orders version strings as people mean them: numeric
// segment by segment ("0.16" > "0.9"), a leading v ignored ("v1.2" ==
// "1.2"), a release above its pre-releases ("1.0" > "1.0-beta"), and
// non-numeric segments compared as strings. "" is the lowest.
func compareVersions(a, b string) int {
	if a == b {
		return 0
	}
	if a == "" || b == "" {
		return cmp.Compare(len(a), len(b))
	}
	as, bs := versionSegments(a), versionSegments(b)
	for i := 0; i < len(as) || i < len(bs); i++ {
		switch {
		case i >= len(as):
			return -tailOrder(bs[i])
		case i >= len(bs):
			return tailOrder(as[i])
		}
		if c := compareSegments(as[i], bs[i]); c != 0 {
			return c
		}
	}
	return cmp.Compare(a, b) // equal by segments ("1.2" and "v1.2"): any stable order
}

// tailOrder says how a version with an extra segment compares with the same
// version without it: 1.0.1 is above 1.0, 1.0-beta below.
func tailOrder(extra string) int {
	if isNumeric(extra) {
		return 1
	}
	return -1
}

func versionSegments(v string) []string {
	v = strings.TrimPrefix(strings.TrimPrefix(v, "v"), "V")
	return strings.FieldsFunc(v, func(r rune) bool { return r == '.' || r == '-' || r == '_' || r == '+' })
}

func compareSegments(a, b string) int {
	an, bn := isNumeric(a), isNumeric(b)
	switch {
	case an && bn:
		// Compare as numbers of any length: strip leading zeros, then
		// longer is larger, then by digits.
		a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
		return cmp.Or(cmp.Compare(len(a), len(b)), cmp.Compare(a, b))
	case an:
		return 1 // 1.0.1 > 1.0.beta
	case bn:
		return -1
	}
	return cmp.Compare(a, b)
}

func isNumeric(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// CompareVersions orders two project versions the way detection does
// (see compareVersions); list_versions sorts by it.
func CompareVersions(a, b string) int { return compareVersions(a, b) }
