package store

import "os"

// SchemaVersion is the schema this build writes.
const SchemaVersion = schemaVersion

// DataEnd runs the structure check on the file at path and returns the
// length the file needs (its pages below the high water mark): cutting the
// file there or later loses nothing.
func DataEnd(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return 0, err
	}
	r, err := checkFile(f, info.Size())
	return int64(r.needed), err
}
