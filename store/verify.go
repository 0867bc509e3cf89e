package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math/bits"
	"os"
	"slices"
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
// The walk reads structure, not records: page headers, element tables, keys,
// bucket headers and inline bucket pages, and meta/schema. A record's value
// is checked to lie inside its page, which lies inside the file, but its
// bytes are not read, so a store holding hundreds of megabytes of snapshots
// opens as fast as an empty one. (Of a leaf page the first page is read
// whole, in one read; of its overflow pages, only where a key or a bucket
// header lies.)
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
	hwm      uint64   // the meta's high water mark: every page id is below it
	seen     pageSet  // pages already reached, to catch cycles and shared pages
	spare    [][]byte // first-page buffers free for reuse
	report   fileReport
}

// checkFile checks the structure of the bbolt file open as f, size bytes long.
// It returns a *corruptError for a damaged file and a plain error when f
// cannot be read.
func checkFile(f io.ReaderAt, size int64) (fileReport, error) {
	c := &checker{r: f, size: uint64(size)}
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
	c.seen = newPageSet(c.hwm)
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
	dup := newPageSet(c.hwm)
	for _, id := range free {
		if id < 2 || id >= c.hwm {
			return fileReport{}, corruptf("free page %d outside [2, %d)", id, c.hwm)
		}
		if dup.has(id) || c.seen.has(id) {
			return fileReport{}, corruptf("free page %d is also in use", id)
		}
		dup.add(id)
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

// span is one page with its overflow pages (or an inline bucket's page),
// read lazily: head holds the bytes read so far from its start, and bytes
// reads the rest only where asked. This is what keeps Open's cost down: a
// leaf page of snapshot data is megabytes of overflow pages holding values,
// and the walk reads only the element table, the keys and bucket headers in
// them.
type span struct {
	r      io.ReaderAt // nil for a span held whole in head
	id     uint64      // the page id, for messages
	off    uint64      // where the span starts in the file
	size   uint64      // its length
	head   []byte      // its first bytes, read
	inline []byte      // for an inline bucket's page: the bucket's key
}

// where names the span in messages.
func (s *span) where() string {
	if s.inline != nil {
		return fmt.Sprintf("page %d: inline bucket %q", s.id, s.inline)
	}
	return fmt.Sprintf("page %d", s.id)
}

// bytes returns the n bytes at pos in the span. The caller has checked that
// they lie inside the span, which lies inside the file.
func (s *span) bytes(pos, n uint64) ([]byte, error) {
	if pos+n > s.size {
		return nil, corruptf("%s: %d bytes at %d run past its %d", s.where(), n, pos, s.size)
	}
	if pos+n <= uint64(len(s.head)) {
		return s.head[pos : pos+n], nil
	}
	if s.r == nil {
		return nil, corruptf("%s: %d bytes at %d run past its %d", s.where(), n, pos, len(s.head))
	}
	b := make([]byte, n)
	got, err := s.r.ReadAt(b, int64(s.off+pos))
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("reading page %d: %w", s.id, err)
	}
	if uint64(got) < n {
		return nil, corruptf("%s runs past the end of the file", s.where())
	}
	return b, nil
}

// all returns the whole span. It is for pages that are all structure
// (freelist pages), never for leaf pages.
func (s *span) all() ([]byte, error) { return s.bytes(0, s.size) }

// page reads the first page of page id, checks its header (its flags must be
// one of accept) and marks it and its overflow pages reached. It returns the
// page with its overflow as a span, of which only the first page is read,
// and the page's flags.
func (c *checker) page(id uint64, accept ...uint16) (*span, uint16, error) {
	if id < 2 || id >= c.hwm {
		return nil, 0, corruptf("page %d outside [2, %d)", id, c.hwm)
	}
	if id >= c.size/c.pageSize {
		return nil, 0, corruptf("page %d past the end of the file", id)
	}
	off := id * c.pageSize
	// The first page whole: one read of what the OS reads anyway, holding
	// the header, usually the whole element table and, for small records,
	// the keys.
	var head []byte
	if n := len(c.spare); n > 0 {
		head, c.spare = c.spare[n-1], c.spare[:n-1]
	} else {
		head = make([]byte, c.pageSize)
	}
	if n, err := c.r.ReadAt(head, int64(off)); err != nil && err != io.EOF {
		return nil, 0, fmt.Errorf("reading page %d: %w", id, err)
	} else if uint64(n) < c.pageSize {
		return nil, 0, corruptf("page %d past the end of the file", id)
	}
	le := binary.NativeEndian
	if got := le.Uint64(head[0:]); got != id {
		return nil, 0, corruptf("page %d says it is page %d", id, got)
	}
	flags := le.Uint16(head[8:])
	if !slices.Contains(accept, flags) {
		return nil, 0, corruptf("page %d has flags %#x, want one of %#x", id, flags, accept)
	}
	overflow := uint64(le.Uint32(head[12:]))
	last := id + overflow // id is below size/pageSize and overflow below 2^32: no wrap
	if last >= c.hwm {
		return nil, 0, corruptf("page %d overflows to %d, past the high water mark %d", id, last, c.hwm)
	}
	if last >= c.size/c.pageSize {
		return nil, 0, corruptf("page %d with %d overflow pages runs past the end of the file", id, overflow)
	}
	if p, ok := c.seen.claim(id, last); !ok {
		return nil, 0, corruptf("page %d is reached twice", p)
	}
	return &span{r: c.r, id: id, off: off, size: (overflow + 1) * c.pageSize, head: head}, flags, nil
}

// pageSet is a set of page ids below the high water mark, one bit each: a
// file of hundreds of megabytes has tens of thousands of pages, most of them
// overflow pages of snapshot data, and a map of them would cost more than
// the rest of the walk.
type pageSet []uint64

func newPageSet(n uint64) pageSet   { return make(pageSet, (n+63)/64) }
func (s pageSet) has(p uint64) bool { return s[p/64]&(1<<(p%64)) != 0 }
func (s pageSet) add(p uint64)      { s[p/64] |= 1 << (p % 64) }

// claim adds the pages first..last, a word at a time. When one of them is
// there already it returns that page and false (having added some).
func (s pageSet) claim(first, last uint64) (uint64, bool) {
	for w := first / 64; w <= last/64; w++ {
		mask := ^uint64(0)
		if w == first/64 {
			mask &= ^uint64(0) << (first % 64)
		}
		if w == last/64 {
			mask &= ^uint64(0) >> (63 - last%64)
		}
		if hit := s[w] & mask; hit != 0 {
			return w*64 + uint64(bits.TrailingZeros64(hit)), false
		}
		s[w] |= mask
	}
	return 0, true
}

// release hands the first-page buffer of a page whose walk is done back for
// reuse: nothing refers to its keys any more.
func (c *checker) release(s *span) {
	if s.r != nil && uint64(len(s.head)) == c.pageSize {
		c.spare = append(c.spare, s.head)
	}
}

// freelist returns the page ids on the freelist page id.
func (c *checker) freelist(id uint64) ([]uint64, error) {
	s, _, err := c.page(id, freelistPageFlag)
	if err != nil {
		return nil, err
	}
	p, err := s.all()
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
	s, flags, err := c.page(id, leafPageFlag, branchPageFlag)
	if err != nil {
		return err
	}
	defer c.release(s)
	if flags == branchPageFlag {
		return c.walkBranch(s, depth, name, lo, hi)
	}
	return c.walkLeaf(s, depth, name, lo, hi)
}

// element is one entry of a page's element table. For a leaf, the value is
// the vsize bytes at pos of the span, located but not read.
type element struct {
	key   []byte
	flags uint32 // leaf only
	pgid  uint64 // branch only: the child page
	pos   uint64 // leaf only: where the value starts in the span
	vsize uint64 // leaf only
}

// elements checks the element table of the page in s and returns its
// elements with their keys. Every key and value lies within s; values are
// not read.
func elements(s *span, leaf bool, lo, hi []byte) ([]element, error) {
	le := binary.NativeEndian
	hdr, err := s.bytes(0, pageHeaderSize)
	if err != nil {
		return nil, err
	}
	count := uint64(le.Uint16(hdr[10:]))
	if count*elementSize > s.size-pageHeaderSize {
		return nil, corruptf("%s: %d elements do not fit", s.where(), count)
	}
	table, err := s.bytes(pageHeaderSize, count*elementSize)
	if err != nil {
		return nil, err
	}
	els := make([]element, count)
	for i := range count {
		e := i * elementSize
		el := &els[i]
		var pos, ksize uint64
		if leaf {
			el.flags = le.Uint32(table[e:])
			pos, ksize, el.vsize = uint64(le.Uint32(table[e+4:])), uint64(le.Uint32(table[e+8:])), uint64(le.Uint32(table[e+12:]))
		} else {
			pos, ksize = uint64(le.Uint32(table[e:])), uint64(le.Uint32(table[e+4:]))
			el.pgid = le.Uint64(table[e+8:])
		}
		// pos is relative to the element itself.
		k := pageHeaderSize + e + pos
		if ksize == 0 {
			return nil, corruptf("%s: element %d has an empty key", s.where(), i)
		}
		if k+ksize+el.vsize > s.size {
			return nil, corruptf("%s: element %d runs past the page", s.where(), i)
		}
		if el.key, err = s.bytes(k, ksize); err != nil {
			return nil, err
		}
		el.pos = k + ksize
		if i > 0 && bytes.Compare(els[i-1].key, el.key) >= 0 {
			return nil, corruptf("%s: keys out of order at element %d", s.where(), i)
		}
		if (lo != nil && bytes.Compare(el.key, lo) < 0) || (hi != nil && bytes.Compare(el.key, hi) >= 0) {
			return nil, corruptf("%s: key %d outside the range its parent gives", s.where(), i)
		}
	}
	return els, nil
}

func (c *checker) walkBranch(s *span, depth int, name, lo, hi []byte) error {
	els, err := elements(s, false, lo, hi)
	if err != nil {
		return err
	}
	if len(els) == 0 {
		return corruptf("%s: empty branch page", s.where())
	}
	for i, el := range els {
		next := hi
		if i+1 < len(els) {
			next = els[i+1].key
		}
		if err := c.walkPage(el.pgid, depth+1, name, el.key, next); err != nil {
			return err
		}
	}
	return nil
}

// walkLeaf checks a leaf page (from the file, or inline in a bucket value)
// and the buckets it holds. It reads a value only when it is structure (a
// bucket's header and inline page) or meta/schema: never a record.
func (c *checker) walkLeaf(s *span, depth int, name, lo, hi []byte) error {
	els, err := elements(s, true, lo, hi)
	if err != nil {
		return err
	}
	for _, el := range els {
		k := el.key
		if el.flags&bucketLeafFlag == 0 {
			if bytes.Equal(name, []byte(bucketMeta)) && bytes.Equal(k, []byte(keySchema)) {
				v, err := s.bytes(el.pos, el.vsize)
				if err != nil {
					return err
				}
				c.report.schema = bytes.Clone(v)
			}
			continue
		}
		if el.vsize < bucketHeaderSize {
			return corruptf("%s: bucket %q has a %d-byte header", s.where(), k, el.vsize)
		}
		hdr, err := s.bytes(el.pos, bucketHeaderSize)
		if err != nil {
			return err
		}
		// Only buckets directly under the root are ours to name.
		child := k
		if name != nil {
			child = []byte{}
		}
		root := binary.NativeEndian.Uint64(hdr)
		if root != 0 {
			if err := c.walkPage(root, depth+1, child, nil, nil); err != nil {
				return err
			}
			continue
		}
		size := el.vsize - bucketHeaderSize
		if size < pageHeaderSize {
			return corruptf("%s: inline bucket %q is too short", s.where(), k)
		}
		inline, err := s.bytes(el.pos+bucketHeaderSize, size)
		if err != nil {
			return err
		}
		if f := binary.NativeEndian.Uint16(inline[8:]); f != leafPageFlag {
			return corruptf("%s: inline bucket %q has flags %#x", s.where(), k, f)
		}
		if depth+1 > maxDepth {
			return corruptf("%s: buckets nested deeper than %d levels", s.where(), maxDepth)
		}
		in := &span{id: s.id, size: size, head: inline, inline: k}
		if err := c.walkLeaf(in, depth+1, child, nil, nil); err != nil {
			return err
		}
	}
	return nil
}
