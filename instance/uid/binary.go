package uid

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/zstd"
)

// The errors of ReadBinary, wrapped with what it was reading; match them
// with errors.Is.
var (
	// ErrNotBinary: the data does not start with RSRC or RSCC (an empty
	// file included).
	ErrNotBinary = errors.New("not a binary resource (no RSRC or RSCC magic)")
	// ErrCompression: an RSCC file compressed with a mode other than
	// Zstandard, or with data that does not decompress.
	ErrCompression = errors.New("unsupported or corrupt compression")
	// ErrCorrupt: a length or size in the header is impossible.
	ErrCorrupt = errors.New("corrupt binary resource header")
)

// Binary is the header of a binary resource.
type Binary struct {
	Type        string // the resource's class: "ArrayMesh", "PackedScene", ...
	UID         string // "uid://...", or "" when the header holds none (flags&2 == 0)
	ScriptClass string // the script class, when flags&8
	Compressed  bool   // an RSCC file
	BigEndian   bool
	Major       uint32 // engine version that wrote the file
	Minor       uint32
	Format      uint32 // binary format version (3 Godot 3, 4 to 6 Godot 4)
}

// Limits on what a header may claim, far above what the engine writes
// (type names of a few dozen bytes, 4 KiB blocks).
const (
	maxString    = 4096    // a type or script class name
	maxBlockSize = 1 << 20 // an RSCC block, compressed or not
	// maxHeader bounds the bytes of a header: fixed fields and two
	// strings.
	maxHeader = 64 + 2*(4+maxString)
)

// Compression modes of FileAccessCompressed (core/io/compression.h).
const modeZstd = 2

// Resource format flags (core/io/resource_format_binary.h).
const (
	flagUIDs        = 2
	flagScriptClass = 8
)

// ReadBinary reads the header of a binary resource (RSRC, or RSCC
// compressed) from r. It reads no further than the header needs: for an
// RSCC file, the table of block sizes and the blocks the header spans.
// A file cut short gives an error wrapping io.ErrUnexpectedEOF; an error
// of r is wrapped as it is.
func ReadBinary(r io.Reader) (Binary, error) {
	var b Binary
	var magic [4]byte
	if n, err := io.ReadFull(r, magic[:]); err != nil {
		if n == 0 {
			return b, fmt.Errorf("reading the magic: empty file: %w", ErrNotBinary)
		}
		return b, fmt.Errorf("reading the magic: %w", ErrNotBinary)
	}
	switch string(magic[:]) {
	case "RSRC":
	case "RSCC":
		b.Compressed = true
		cr, err := newBlockReader(r)
		if err != nil {
			return b, err
		}
		defer cr.close()
		r = cr
	default:
		return b, fmt.Errorf("reading the magic: found %q: %w", magic[:], ErrNotBinary)
	}
	h := headerReader{r: r, order: binary.LittleEndian}
	bigEndian := h.u32("big_endian")
	h.u32("use_real64")
	if bigEndian != 0 {
		b.BigEndian, h.order = true, binary.BigEndian
	}
	b.Major = h.u32("major version")
	b.Minor = h.u32("minor version")
	b.Format = h.u32("format version")
	b.Type = h.str("type")
	h.u64("import metadata offset")
	flags := h.u32("flags")
	id := h.u64("uid")
	if h.err != nil {
		return b, h.err
	}
	if b.Format <= 3 {
		// Godot 3 has reserved fields where Godot 4 has flags and uid:
		// they are 0, but do not trust them.
		return b, nil
	}
	if flags&flagUIDs != 0 && id < 1<<63 {
		b.UID = Encode(id)
	}
	if flags&flagScriptClass != 0 {
		b.ScriptClass = h.str("script class")
	}
	return b, h.err
}

// headerReader reads the fields of a header, keeping the first error.
type headerReader struct {
	r     io.Reader
	order binary.ByteOrder
	err   error
	buf   [8]byte
}

func (h *headerReader) read(n int, what string) []byte {
	if h.err != nil {
		return nil
	}
	if _, err := io.ReadFull(h.r, h.buf[:n]); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		h.err = fmt.Errorf("reading the %s: %w", what, err)
		return nil
	}
	return h.buf[:n]
}

func (h *headerReader) u32(what string) uint32 {
	if b := h.read(4, what); b != nil {
		return h.order.Uint32(b)
	}
	return 0
}

func (h *headerReader) u64(what string) uint64 {
	if b := h.read(8, what); b != nil {
		return h.order.Uint64(b)
	}
	return 0
}

// str reads a u32-length string whose length counts a trailing NUL.
func (h *headerReader) str(what string) string {
	n := h.u32(what + " length")
	if h.err != nil {
		return ""
	}
	if n > maxString {
		h.err = fmt.Errorf("reading the %s: length %d is over %d: %w", what, n, maxString, ErrCorrupt)
		return ""
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(h.r, buf); err != nil {
		h.err = fmt.Errorf("reading the %s: %w", what, io.ErrUnexpectedEOF)
		return ""
	}
	if i := bytes.IndexByte(buf, 0); i >= 0 {
		buf = buf[:i]
	}
	return string(buf)
}

// blockReader reads the uncompressed stream of an RSCC file, one block at
// a time, from just after its magic.
type blockReader struct {
	r         io.Reader
	dec       *zstd.Decoder
	blockSize uint32
	total     uint32   // uncompressed size of the stream
	sizes     []uint32 // compressed size of each block, read so far
	count     uint32   // number of blocks
	next      uint32   // index of the next block to decompress
	out       []byte   // the current block, decompressed
	pos       int      // read position in out
	comp      []byte
}

func newBlockReader(r io.Reader) (*blockReader, error) {
	h := headerReader{r: r, order: binary.LittleEndian}
	mode := h.u32("compression mode")
	c := &blockReader{r: r}
	c.blockSize = h.u32("block size")
	c.total = h.u32("uncompressed size")
	if h.err != nil {
		return nil, h.err
	}
	if mode != modeZstd {
		return nil, fmt.Errorf("reading the compressed header: mode %d is not Zstandard (2): %w", mode, ErrCompression)
	}
	if c.blockSize == 0 || c.blockSize > maxBlockSize {
		return nil, fmt.Errorf("reading the compressed header: block size %d is not in 1..%d: %w", c.blockSize, maxBlockSize, ErrCorrupt)
	}
	c.count = c.total/c.blockSize + 1
	// The table of block sizes comes before the first block. Only the
	// sizes of the blocks a header can span are kept (a block or two with
	// the engine's 4 KiB blocks); the rest are read and dropped.
	keep := min(c.count, maxHeader/c.blockSize+2)
	c.sizes = make([]uint32, 0, keep)
	for i := uint32(0); i < c.count; i++ {
		size := h.u32("block size table")
		if h.err != nil {
			return nil, h.err
		}
		if i < keep {
			c.sizes = append(c.sizes, size)
		}
	}
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
		zstd.WithDecoderMaxMemory(maxBlockSize), zstd.WithDecoderMaxWindow(maxBlockSize))
	if err != nil {
		return nil, fmt.Errorf("starting the zstd decoder: %w", err)
	}
	c.dec = dec
	return c, nil
}

// blockLen is the uncompressed length of block i.
func (c *blockReader) blockLen(i uint32) int {
	if i == c.count-1 {
		return int(c.total % c.blockSize)
	}
	return int(c.blockSize)
}

func (c *blockReader) Read(p []byte) (int, error) {
	for c.pos >= len(c.out) {
		if c.next >= c.count || c.next >= uint32(len(c.sizes)) {
			c.close()
			return 0, io.EOF
		}
		if err := c.fill(); err != nil {
			c.close()
			return 0, err
		}
	}
	n := copy(p, c.out[c.pos:])
	c.pos += n
	return n, nil
}

// fill decompresses the next block.
func (c *blockReader) fill() error {
	i := c.next
	size := c.sizes[i]
	if size > maxBlockSize {
		return fmt.Errorf("reading compressed block %d: size %d is over %d: %w", i, size, maxBlockSize, ErrCorrupt)
	}
	if uint32(cap(c.comp)) < size {
		c.comp = make([]byte, size)
	}
	c.comp = c.comp[:size]
	if _, err := io.ReadFull(c.r, c.comp); err != nil {
		return fmt.Errorf("reading compressed block %d: %w", i, io.ErrUnexpectedEOF)
	}
	want := c.blockLen(i)
	out, err := c.dec.DecodeAll(c.comp, c.out[:0])
	if err != nil {
		return fmt.Errorf("decompressing block %d: %v: %w", i, err, ErrCompression)
	}
	if len(out) != want {
		return fmt.Errorf("decompressing block %d: %d bytes, want %d: %w", i, len(out), want, ErrCompression)
	}
	c.out, c.pos, c.next = out, 0, i+1
	return nil
}

func (c *blockReader) close() {
	if c.dec != nil {
		c.dec.Close()
		c.dec = nil
	}
}
