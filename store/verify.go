package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// This file checks a bbolt file's structure from its raw bytes before bbolt
// maps it. bbolt trusts its pages: a page id past the end of the file is a
// SIGBUS or SIGSEGV in the mmap, a branch page that points back at itself is
// an unbounded recursion (a fatal stack overflow, which recover cannot catch),
// and tx.Check has both problems and runs in a goroutine of its own. So the
// walk below reads the file with ReadAt, bounds-checks every offset, visits
// every page at most once and limits the depth; only a file that passes is
// handed to bbolt.
//
// The layout mirrors go.etcd.io/bbolt v1.5.0 internal/common (page.go,
// meta.go, bucket.go) and db.go getPageSize/mmap/meta: a format change in
// bbolt must be reflected here (the corrupt-file tests fail if it is not).

const (
	boltMagic   = 0xED0CDAED
	boltVersion = 2

	pageHeaderSize   = 16 // id u64, flags u16, count u16, overflow u32
	metaSize         = 64 // magic, version, pageSize, flags u32; root, sequence, freelist, pgid, txid, checksum u64
	elementSize      = 16 // branch: pos, ksize u32, pgid u64; leaf: flags, pos, ksize, vsize u32
	bucketHeaderSize = 16 // root pgid u64, sequence u64

	branchPageFlag   = 0x01
	leafPageFlag     = 0x02
	freelistPageFlag = 0x10
	bucketLeafFlag   = 0x01

	noFreelist = ^uint64(0)

	// bbolt looks for the second meta page at 1 KiB << 0..14, so page sizes
	// outside this range are not files it writes.
	minPageSize = 1 << 10
	maxPageSize = 1 << 24

	// maxDepth bounds B+tree levels plus nested buckets. A bbolt tree holds at
	// least two keys per page, so a real file never comes near it.
	maxDepth = 64
)

// corruptError says why a file is not a usable bbolt file.
type corruptError struct{ reason string }

func (e *corruptError) Error() string { return e.reason }

func corruptf(format string, args ...any) error {
	return &corruptError{reason: fmt.Sprintf(format, args...)}
}

func isCorrupt(err error) bool {
	var ce *corruptError
	return errors.As(err, &ce)
}

// fileReport is what checkFile learned about a structurally sound file.
type fileReport struct {
	// schema is the value of meta/schema, nil when absent.
	schema []byte
	// fellBack is set when the newest meta page is damaged and bbolt will
	// use the previous one (losing the last transaction).
	fellBack bool
	// needed is the length the file must have: every page below the high
	// water mark. Beyond it is space bbolt has grown into but not used.
	needed uint64
}

type meta struct {
	valid    bool
	pageSize uint64
	root     uint64
	freelist uint64
	pgid     uint64
	txid     uint64
}

func parseMeta(b []byte) meta {
	if len(b) < pageHeaderSize+metaSize {
		return meta{}
	}
	m := b[pageHeaderSize : pageHeaderSize+metaSize]
	le := binary.NativeEndian
	h := fnv.New64a()
	h.Write(m[:56])
	return meta{
		valid: le.Uint32(m[0:]) == boltMagic &&
			le.Uint32(m[4:]) == boltVersion &&
			le.Uint64(m[56:]) == h.Sum64(),
		pageSize: uint64(le.Uint32(m[8:])),
		root:     le.Uint64(m[16:]),
		freelist: le.Uint64(m[32:]),
		pgid:     le.Uint64(m[40:]),
		txid:     le.Uint64(m[48:]),
	}
}

// checker walks one file. It is used once, by one goroutine.
type checker struct {
	r        io.ReaderAt
	size     uint64
	pageSize uint64
	hwm      uint64          // the meta's high water mark: every page id is below it
	seen     map[uint64]bool // pages already reached, to catch cycles and shared pages
	report   fileReport
}

// checkFile checks the structure of the bbolt file open as f, size bytes long.
// It returns a *corruptError for a damaged file and a plain error when f
// cannot be read.
func checkFile(f io.ReaderAt, size int64) (fileReport, error) {
	c := &checker{r: f, size: uint64(size), seen: make(map[uint64]bool)}
	m, err := c.pickMeta()
	if err != nil {
		return fileReport{}, err
	}
	// bbolt grows the file before it writes the meta page that raises the
	// high water mark, so a shorter file lost pages. The bound also matters
	// for itself: bbolt loops up to the high water mark when it rebuilds a
	// freelist, and a forged huge one would take forever.
	if m.pgid > c.size/c.pageSize {
		return fileReport{}, corruptf("high water mark %d pages is past the end of the file (%d bytes)", m.pgid, c.size)
	}
	c.hwm = m.pgid
	c.report.needed = c.hwm * c.pageSize
	if m.root < 2 || m.root >= c.hwm {
		return fileReport{}, corruptf("root bucket page %d outside [2, %d)", m.root, c.hwm)
	}
	var free []uint64
	if m.freelist != noFreelist {
		if free, err = c.freelist(m.freelist); err != nil {
			return fileReport{}, err
		}
	}
	if err := c.walkPage(m.root, 0, nil, nil, nil); err != nil {
		return fileReport{}, err
	}
	// bbolt would hand out a reachable page as free space and overwrite live
	// data, so a free page must be unreachable.
	dup := make(map[uint64]bool, len(free))
	for _, id := range free {
		if id < 2 || id >= c.hwm {
			return fileReport{}, corruptf("free page %d outside [2, %d)", id, c.hwm)
		}
		if dup[id] || c.seen[id] {
			return fileReport{}, corruptf("free page %d is also in use", id)
		}
		dup[id] = true
	}
	return c.report, nil
}

// readAt fills b from off; a short read at the end of the file is not an
// error, the rest of b stays zero. It returns how many bytes were read.
func (c *checker) readAt(b []byte, off uint64) (int, error) {
	clear(b)
	n, err := c.r.ReadAt(b, int64(off))
	if err == io.EOF {
		err = nil
	}
	return n, err
}

// pickMeta finds the page size and the meta page bbolt will use, the way
// bbolt's getPageSize, mmap and meta do.
func (c *checker) pickMeta() (meta, error) {
	var buf [0x1000]byte
	pageSize := uint64(0)
	canRead := false
	n, err := c.readAt(buf[:], 0)
	if err != nil {
		return meta{}, fmt.Errorf("reading meta page 0: %w", err)
	}
	if n == len(buf) {
		canRead = true
		if m := parseMeta(buf[:]); m.valid {
			pageSize = m.pageSize
		}
	}
	if pageSize == 0 {
		for i := 0; i <= 14; i++ {
			pos := uint64(1024) << i
			if c.size < 1024 || pos >= c.size-1024 {
				break
			}
			n, err := c.readAt(buf[:], pos)
			if err != nil {
				return meta{}, fmt.Errorf("reading meta page 1: %w", err)
			}
			if n == len(buf) || uint64(n) == c.size-pos {
				canRead = true
				if m := parseMeta(buf[:]); m.valid {
					pageSize = m.pageSize
					break
				}
			}
		}
	}
	if pageSize == 0 {
		if !canRead {
			return meta{}, corruptf("no valid meta page (file is %d bytes)", c.size)
		}
		pageSize = uint64(os.Getpagesize())
	}
	if pageSize < minPageSize || pageSize > maxPageSize {
		return meta{}, corruptf("page size %d outside [%d, %d]", pageSize, minPageSize, maxPageSize)
	}
	if c.size < 2*pageSize {
		return meta{}, corruptf("file of %d bytes is too small for two meta pages of %d bytes", c.size, pageSize)
	}
	c.pageSize = pageSize

	var m0, m1 meta
	if _, err := c.readAt(buf[:pageHeaderSize+metaSize], 0); err != nil {
		return meta{}, fmt.Errorf("reading meta page 0: %w", err)
	}
	m0 = parseMeta(buf[:])
	if _, err := c.readAt(buf[:pageHeaderSize+metaSize], pageSize); err != nil {
		return meta{}, fmt.Errorf("reading meta page 1: %w", err)
	}
	m1 = parseMeta(buf[:])

	newer, older := m0, m1
	if m1.txid > m0.txid {
		newer, older = m1, m0
	}
	var m meta
	switch {
	case newer.valid:
		m = newer
	case older.valid:
		m = older
		c.report.fellBack = true
	default:
		return meta{}, corruptf("both meta pages fail validation")
	}
	if m.pageSize != pageSize {
		return meta{}, corruptf("meta page size %d differs from the layout's %d", m.pageSize, pageSize)
	}
	return m, nil
}

// page reads page id with its overflow pages and marks them reached.
// want is the page flag the caller expects.
func (c *checker) page(id uint64, want uint16) ([]byte, error) {
	if id < 2 || id >= c.hwm {
		return nil, corruptf("page %d outside [2, %d)", id, c.hwm)
	}
	if id >= c.size/c.pageSize {
		return nil, corruptf("page %d past the end of the file", id)
	}
	off := id * c.pageSize
	var hdr [pageHeaderSize]byte
	if n, err := c.readAt(hdr[:], off); err != nil {
		return nil, fmt.Errorf("reading page %d: %w", id, err)
	} else if n < len(hdr) {
		return nil, corruptf("page %d past the end of the file", id)
	}
	le := binary.NativeEndian
	if got := le.Uint64(hdr[0:]); got != id {
		return nil, corruptf("page %d says it is page %d", id, got)
	}
	if flags := le.Uint16(hdr[8:]); flags != want {
		return nil, corruptf("page %d has flags %#x, want %#x", id, flags, want)
	}
	overflow := uint64(le.Uint32(hdr[12:]))
	last := id + overflow // id is below size/pageSize and overflow below 2^32: no wrap
	if last >= c.hwm {
		return nil, corruptf("page %d overflows to %d, past the high water mark %d", id, last, c.hwm)
	}
	if last >= c.size/c.pageSize {
		return nil, corruptf("page %d with %d overflow pages runs past the end of the file", id, overflow)
	}
	for p := id; p <= last; p++ {
		if c.seen[p] {
			return nil, corruptf("page %d is reached twice", p)
		}
		c.seen[p] = true
	}
	buf := make([]byte, (overflow+1)*c.pageSize)
	if n, err := c.readAt(buf, off); err != nil {
		return nil, fmt.Errorf("reading page %d: %w", id, err)
	} else if n < len(buf) {
		return nil, corruptf("page %d runs past the end of the file", id)
	}
	return buf, nil
}

// freelist returns the page ids on the freelist page id.
func (c *checker) freelist(id uint64) ([]uint64, error) {
	p, err := c.page(id, freelistPageFlag)
	if err != nil {
		return nil, err
	}
	le := binary.NativeEndian
	start, count := uint64(pageHeaderSize), uint64(le.Uint16(p[10:]))
	if count == 0xFFFF {
		// bbolt keeps a count that does not fit in 16 bits in the first slot.
		if len(p) < pageHeaderSize+8 {
			return nil, corruptf("freelist page %d is too short", id)
		}
		count = le.Uint64(p[pageHeaderSize:])
		start += 8
	}
	if count > (uint64(len(p))-start)/8 {
		return nil, corruptf("freelist page %d claims %d ids, more than it holds", id, count)
	}
	ids := make([]uint64, count)
	for i := range ids {
		ids[i] = le.Uint64(p[start+uint64(i)*8:])
	}
	return ids, nil
}

// walkPage checks the branch or leaf page id of a bucket and everything
// below it. name is the bucket's key in its parent (nil for the root). Every
// key below the page must lie in [lo, hi) (nil: no bound), as its parent
// branch says: bbolt panics on a violation when it rebuilds a freelist.
func (c *checker) walkPage(id uint64, depth int, name, lo, hi []byte) error {
	if depth > maxDepth {
		return corruptf("page %d is nested deeper than %d levels", id, maxDepth)
	}
	// The flags decide how to read the page, so peek at them first; page
	// checks them again.
	var hdr [pageHeaderSize]byte
	if id >= 2 && id < c.hwm && id < c.size/c.pageSize {
		if _, err := c.readAt(hdr[:], id*c.pageSize); err != nil {
			return fmt.Errorf("reading page %d: %w", id, err)
		}
	}
	want := uint16(leafPageFlag)
	if binary.NativeEndian.Uint16(hdr[8:]) == branchPageFlag {
		want = branchPageFlag
	}
	p, err := c.page(id, want)
	if err != nil {
		return err
	}
	if want == branchPageFlag {
		return c.walkBranch(id, p, depth, name, lo, hi)
	}
	return c.walkLeaf(fmt.Sprintf("page %d", id), p, depth, name, lo, hi)
}

// elements checks the element table of page p and returns each element's
// key and, for leaves, value, all within p.
func elements(where string, p []byte, leaf bool, lo, hi []byte) (keys, values [][]byte, flags []uint32, err error) {
	le := binary.NativeEndian
	count := uint64(le.Uint16(p[10:]))
	if count*elementSize > uint64(len(p))-pageHeaderSize {
		return nil, nil, nil, corruptf("%s: %d elements do not fit", where, count)
	}
	keys = make([][]byte, count)
	if leaf {
		values = make([][]byte, count)
		flags = make([]uint32, count)
	}
	for i := range count {
		e := pageHeaderSize + i*elementSize
		var pos, ksize, vsize uint64
		if leaf {
			flags[i] = le.Uint32(p[e:])
			pos, ksize, vsize = uint64(le.Uint32(p[e+4:])), uint64(le.Uint32(p[e+8:])), uint64(le.Uint32(p[e+12:]))
		} else {
			pos, ksize = uint64(le.Uint32(p[e:])), uint64(le.Uint32(p[e+4:]))
		}
		// pos is relative to the element itself.
		k := e + pos
		if ksize == 0 {
			return nil, nil, nil, corruptf("%s: element %d has an empty key", where, i)
		}
		if k+ksize+vsize > uint64(len(p)) {
			return nil, nil, nil, corruptf("%s: element %d runs past the page", where, i)
		}
		keys[i] = p[k : k+ksize]
		if i > 0 && bytes.Compare(keys[i-1], keys[i]) >= 0 {
			return nil, nil, nil, corruptf("%s: keys out of order at element %d", where, i)
		}
		if (lo != nil && bytes.Compare(keys[i], lo) < 0) || (hi != nil && bytes.Compare(keys[i], hi) >= 0) {
			return nil, nil, nil, corruptf("%s: key %d outside the range its parent gives", where, i)
		}
		if leaf {
			values[i] = p[k+ksize : k+ksize+vsize]
		}
	}
	return keys, values, flags, nil
}

func (c *checker) walkBranch(id uint64, p []byte, depth int, name, lo, hi []byte) error {
	where := fmt.Sprintf("page %d", id)
	keys, _, _, err := elements(where, p, false, lo, hi)
	if err != nil {
		return err
	}
	if len(keys) == 0 {
		return corruptf("%s: empty branch page", where)
	}
	for i := range keys {
		child := binary.NativeEndian.Uint64(p[pageHeaderSize+i*elementSize+8:])
		next := hi
		if i+1 < len(keys) {
			next = keys[i+1]
		}
		if err := c.walkPage(child, depth+1, name, keys[i], next); err != nil {
			return err
		}
	}
	return nil
}

// walkLeaf checks a leaf page p (from the file, or inline in a bucket value)
// and the buckets it holds.
func (c *checker) walkLeaf(where string, p []byte, depth int, name, lo, hi []byte) error {
	keys, values, flags, err := elements(where, p, true, lo, hi)
	if err != nil {
		return err
	}
	for i, k := range keys {
		v := values[i]
		if flags[i]&bucketLeafFlag == 0 {
			if bytes.Equal(name, []byte(bucketMeta)) && bytes.Equal(k, []byte(keySchema)) {
				c.report.schema = bytes.Clone(v)
			}
			continue
		}
		if len(v) < bucketHeaderSize {
			return corruptf("%s: bucket %q has a %d-byte header", where, k, len(v))
		}
		// Only buckets directly under the root are ours to name.
		child := k
		if name != nil {
			child = []byte{}
		}
		root := binary.NativeEndian.Uint64(v)
		if root != 0 {
			if err := c.walkPage(root, depth+1, child, nil, nil); err != nil {
				return err
			}
			continue
		}
		inline := v[bucketHeaderSize:]
		if len(inline) < pageHeaderSize {
			return corruptf("%s: inline bucket %q is too short", where, k)
		}
		if f := binary.NativeEndian.Uint16(inline[8:]); f != leafPageFlag {
			return corruptf("%s: inline bucket %q has flags %#x", where, k, f)
		}
		if depth+1 > maxDepth {
			return corruptf("%s: buckets nested deeper than %d levels", where, maxDepth)
		}
		if err := c.walkLeaf(fmt.Sprintf("%s: inline bucket %q", where, k), inline, depth+1, child, nil, nil); err != nil {
			return err
		}
	}
	return nil
}
