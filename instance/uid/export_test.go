package uid

import "io"

// errUnexpectedEOF is what a truncated header gives.
var errUnexpectedEOF = io.ErrUnexpectedEOF
