package index

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"maps"
	"math"
	"math/bits"
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/godot-mcp-router/godot-mcp-router/detect/gdtext"
	"github.com/godot-mcp-router/godot-mcp-router/instance/gdscript"
	"github.com/godot-mcp-router/godot-mcp-router/instance/resfile"
	"github.com/godot-mcp-router/godot-mcp-router/instance/uid"
)

// SnapshotFormat is the snapshot encoding's version. Raise it whenever the
// encoding or the meaning of any encoded field changes, including a parser
// change that would parse the same file differently.
//
// TestSnapshotCoversEveryField fills every field of every struct a snapshot
// holds (File, fileRead, resfile.File, gdscript.Script, uid.Import,
// uid.Binary, gdtext.Config, Edge, Problem, Autoload, and all they contain)
// and fails when one does not come back: a field added to any of them must
// be encoded here, and SnapshotFormat raised.
//
// Format 3 added the header's State.
const SnapshotFormat = 3

// The errors of Restore and ReadSnapshotHeader; match them with errors.Is.
var (
	// ErrSnapshotFormat: the snapshot is in another format version or was
	// made by another build of the program. Nothing is wrong with the data;
	// it is just unusable here: build the index from the disk.
	ErrSnapshotFormat = errors.New("index snapshot of another format or build")
	// ErrSnapshotCorrupt: the snapshot is truncated or damaged (a checksum,
	// a length, a count or a reference is wrong), or it is a snapshot of
	// another project root.
	ErrSnapshotCorrupt = errors.New("corrupt index snapshot")
)

// SnapshotHeader is what a snapshot says about itself.
type SnapshotHeader struct {
	Format  int    // SnapshotFormat of the program that made it
	Build   string // the build that made it
	Root    string // the project root
	Files   int    // len(Index.Files)
	Created time.Time
	// State is what the program keeps beside the index (the instance's
	// build records), opaque here; at most MaxSnapshotState bytes. It is in
	// the header, uncompressed, so it reads without decoding the index.
	State []byte
}

// MaxSnapshotState bounds SnapshotHeader.State.
const MaxSnapshotState = 1 << 20

const (
	snapshotMagic = "GMRINDEX"
	// maxSnapshotRaw bounds the decoded payload (a project of 100,000
	// files takes about a tenth of it).
	maxSnapshotRaw = 1 << 30
	// maxSnapshotRatio bounds the decoded size against the compressed one,
	// so that a forged size cannot make Restore allocate much more than it
	// was given (real snapshots compress about tenfold).
	maxSnapshotRatio = 256
	maxHeaderString  = 1 << 16
	// maxValueDepth bounds the nesting of values, twice what the parser
	// accepts; maxClassDepth bounds inner classes (the parser stops at 32).
	maxValueDepth = 2 * gdtext.MaxDepth
	maxClassDepth = 64
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// The zstd coders are made once per process and shared: making one costs
// more than a small project's snapshot, and both are safe for concurrent
// use (with concurrency 1, concurrent calls take turns).
var (
	snapshotEncoder = sync.OnceValues(func() (*zstd.Encoder, error) {
		return zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1), zstd.WithEncoderCRC(true),
			zstd.WithEncoderLevel(zstd.SpeedDefault))
	})
	snapshotDecoder = sync.OnceValues(func() (*zstd.Decoder, error) {
		return zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(maxSnapshotRaw),
			zstd.WithDecodeAllCapLimit(true))
	})
)

// snapshotSentinels are the sentinel errors a restored error still
// matches with errors.Is when the original did. Append only: a position
// is part of the format.
var snapshotSentinels = [...]error{
	resfile.ErrLFSPointer, resfile.ErrXML, resfile.ErrBinary,
	uid.ErrNotBinary, uid.ErrCompression, uid.ErrCorrupt,
	fs.ErrNotExist, fs.ErrPermission,
}

// Snapshot encodes ix compactly, for Restore in a later process. build
// identifies the program build (its version and vcs revision): Restore
// refuses a snapshot of another build, whose parsers may differ.
func (ix *Index) Snapshot(build string) ([]byte, error) {
	return ix.SnapshotWithState(build, nil)
}

// SnapshotWithState is Snapshot with state kept in the header
// (SnapshotHeader.State).
func (ix *Index) SnapshotWithState(build string, state []byte) ([]byte, error) {
	if len(state) > MaxSnapshotState {
		return nil, fmt.Errorf("encoding the index snapshot: state of %d bytes, more than %d", len(state), MaxSnapshotState)
	}
	e := &encoder{
		strs:     map[string]uint64{"": 0},
		table:    []string{""},
		scenes:   map[*resfile.File]uint64{},
		scripts:  map[*gdscript.Script]uint64{},
		imports:  map[*uid.Import]uint64{},
		binaries: map[*uid.Binary]uint64{},
	}
	e.index(ix)
	if e.err != nil {
		return nil, fmt.Errorf("encoding the index snapshot: %w", e.err)
	}
	raw := e.payload()
	if len(raw) > maxSnapshotRaw {
		return nil, fmt.Errorf("encoding the index snapshot: %d bytes, more than %d", len(raw), maxSnapshotRaw)
	}
	zw, err := snapshotEncoder()
	if err != nil {
		return nil, fmt.Errorf("starting the zstd encoder: %w", err)
	}
	out := make([]byte, 0, 64+len(build)+len(ix.Root)+len(state)+len(raw)/4)
	out = append(out, snapshotMagic...)
	out = binary.AppendUvarint(out, SnapshotFormat)
	out = appendString(out, build)
	out = appendString(out, ix.Root)
	out = binary.AppendUvarint(out, uint64(len(ix.Files)))
	out = binary.AppendVarint(out, time.Now().UnixNano())
	out = appendString(out, string(state))
	out = binary.AppendUvarint(out, uint64(len(raw)))
	sumAt := len(out)
	out = append(out, 0, 0, 0, 0)
	out = zw.EncodeAll(raw, out)
	if len(raw) > maxSnapshotRatio*(len(out)-sumAt)+1<<16 {
		return nil, fmt.Errorf("encoding the index snapshot: compresses more than %d-fold, which Restore refuses", maxSnapshotRatio)
	}
	binary.LittleEndian.PutUint32(out[sumAt:], snapshotSum(out, sumAt))
	return out, nil
}

// snapshotSum is the CRC-32C of a snapshot but for the checksum itself.
func snapshotSum(data []byte, sumAt int) uint32 {
	return crc32.Update(crc32.Checksum(data[:sumAt], castagnoli), castagnoli, data[sumAt+4:])
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// ReadSnapshotHeader reads a snapshot's header and checks the checksum
// over the whole snapshot (microseconds: the CPU computes CRC-32C), but does
// not decode the rest: a truncated or damaged snapshot is refused here, one
// whose payload does not decode only by Restore. A snapshot of another
// format gives ErrSnapshotFormat, with Format set.
func ReadSnapshotHeader(data []byte) (SnapshotHeader, error) {
	h, _, err := readSnapshotHeader(data)
	if err == nil && binary.LittleEndian.Uint32(data[h.sumAt:]) != snapshotSum(data, h.sumAt) {
		err = fmt.Errorf("%w: checksum mismatch", ErrSnapshotCorrupt)
	}
	return h.SnapshotHeader, err
}

// snapshotHead is a header and where its parts end.
type snapshotHead struct {
	SnapshotHeader
	rawLen int // the decoded payload's size
	sumAt  int // offset of the checksum; the payload follows it
}

func readSnapshotHeader(data []byte) (h snapshotHead, payload []byte, err error) {
	if len(data) < len(snapshotMagic) || string(data[:len(snapshotMagic)]) != snapshotMagic {
		return h, nil, fmt.Errorf("%w: not an index snapshot", ErrSnapshotCorrupt)
	}
	defer func() {
		if r := recover(); r != nil {
			c, ok := r.(corruption)
			if !ok {
				panic(r)
			}
			err = fmt.Errorf("%w: header: %s", ErrSnapshotCorrupt, string(c))
		}
	}()
	d := &decoder{b: data, i: len(snapshotMagic)}
	format := d.uvarint()
	if format != SnapshotFormat {
		h.Format = int(min(format, math.MaxInt32))
		return h, nil, fmt.Errorf("%w: format %d, this program reads %d", ErrSnapshotFormat, format, SnapshotFormat)
	}
	h.Format = SnapshotFormat
	h.Build = d.rawString()
	h.Root = d.rawString()
	files := d.uvarint()
	if files > maxSnapshotRaw/minCacheEntry {
		d.fail(fmt.Sprintf("%d files claimed", files))
	}
	h.Files = int(files)
	h.Created = time.Unix(0, d.varint())
	if n := d.uvarint(); n > MaxSnapshotState || n > uint64(len(d.b)-d.i) {
		d.fail(fmt.Sprintf("state of %d bytes claimed", n))
	} else if n > 0 {
		h.State = append([]byte(nil), d.b[d.i:d.i+int(n)]...)
		d.i += int(n)
	}
	rawLen := d.uvarint()
	if d.i+4 > len(d.b) {
		d.fail("truncated")
	}
	h.sumAt = d.i
	payload = data[d.i+4:]
	if rawLen > maxSnapshotRaw || rawLen > uint64(maxSnapshotRatio*len(payload)+1<<16) {
		d.fail(fmt.Sprintf("payload of %d bytes claimed", rawLen))
	}
	h.rawLen = int(rawLen)
	return h, payload, nil
}

// Restore decodes a snapshot of the project at root made by the same
// build. It does not touch the disk. The result is the index as it was
// when encoded, ready to pass to Update as prev, which then re-reads only
// the files changed since (and returns the restored index itself when
// none did).
//
// A snapshot of another format or build gives ErrSnapshotFormat; a
// damaged one, or one of another root, ErrSnapshotCorrupt.
func Restore(root, build string, data []byte) (ix *Index, err error) {
	defer func() {
		// A last defence: decoding checks every length, but a snapshot
		// must never take the process down.
		if r := recover(); r != nil {
			ix, err = nil, fmt.Errorf("%w: %v", ErrSnapshotCorrupt, r)
		}
	}()
	return restore(root, build, data)
}

// restore is Restore without the last defence, for the fuzz test.
func restore(root, build string, data []byte) (*Index, error) {
	h, payload, err := readSnapshotHeader(data)
	if err != nil {
		return nil, err
	}
	if binary.LittleEndian.Uint32(data[h.sumAt:]) != snapshotSum(data, h.sumAt) {
		return nil, fmt.Errorf("%w: checksum mismatch", ErrSnapshotCorrupt)
	}
	if h.Build != build {
		return nil, fmt.Errorf("%w: made by build %q, this is %q", ErrSnapshotFormat, h.Build, build)
	}
	if h.Root != root {
		return nil, fmt.Errorf("%w: a snapshot of %s, not %s", ErrSnapshotCorrupt, h.Root, root)
	}
	zr, err := snapshotDecoder()
	if err != nil {
		return nil, fmt.Errorf("starting the zstd decoder: %w", err)
	}
	raw, err := zr.DecodeAll(payload, make([]byte, 0, h.rawLen))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSnapshotCorrupt, err)
	}
	if len(raw) != h.rawLen {
		return nil, fmt.Errorf("%w: payload of %d bytes, header says %d", ErrSnapshotCorrupt, len(raw), h.rawLen)
	}
	ix, err := decodePayload(raw)
	if err != nil {
		return nil, err
	}
	if len(ix.Files) != h.Files {
		return nil, fmt.Errorf("%w: %d files, header says %d", ErrSnapshotCorrupt, len(ix.Files), h.Files)
	}
	ix.Root = root
	ix.indexEdges()
	ix.engine = engineClasses()
	return ix, nil
}

// The payload, before compression:
//
//	strings   count, each length, then all their bytes; a string
//	          elsewhere is its index in this table, 0 being ""
//	index     Built, Took, Reused, Config
//	cache     count, then each entry: its key (unless "res://"+key is
//	          its Path), File, sidecar, hash
//	files     count, then each: a copy of cache entry k with its own UID
//	          and Import, or a whole File
//	maps      ByUID, dupUID, outside (+ checkedAt), Classes; then Autoload, Edges, Problems
//
// A slice is its length+1 (0 for nil) then its elements. A summary
// pointer (Scene, Script, Import, Binary) is 0 for nil, 1 followed by the
// summary the first time, 2+k the k-th summary of its type again: Files
// share them with the cache as Update does.

// encoder writes a payload. Its methods mirror the decoder's.
type encoder struct {
	buf        []byte
	strs       map[string]uint64
	table      []string
	tableBytes int
	scenes     map[*resfile.File]uint64
	scripts    map[*gdscript.Script]uint64
	imports    map[*uid.Import]uint64
	binaries   map[*uid.Binary]uint64
	err        error // the first thing that cannot be encoded
}

// payload is the string table followed by what was encoded.
func (e *encoder) payload() []byte {
	out := make([]byte, 0, binary.MaxVarintLen64*(1+len(e.table))+e.tableBytes+len(e.buf))
	out = binary.AppendUvarint(out, uint64(len(e.table)-1))
	for _, s := range e.table[1:] {
		out = binary.AppendUvarint(out, uint64(len(s)))
	}
	for _, s := range e.table[1:] {
		out = append(out, s...)
	}
	return append(out, e.buf...)
}

func (e *encoder) uvarint(v uint64) { e.buf = binary.AppendUvarint(e.buf, v) }
func (e *encoder) varint(v int64)   { e.buf = binary.AppendVarint(e.buf, v) }
func (e *encoder) int(v int)        { e.buf = binary.AppendVarint(e.buf, int64(v)) }
func (e *encoder) byte(v byte)      { e.buf = append(e.buf, v) }

func (e *encoder) bool(v bool) {
	if v {
		e.buf = append(e.buf, 1)
	} else {
		e.buf = append(e.buf, 0)
	}
}

func (e *encoder) str(s string) {
	if s == "" {
		e.buf = append(e.buf, 0)
		return
	}
	id, ok := e.strs[s]
	if !ok {
		id = uint64(len(e.table))
		e.strs[s] = id
		e.table = append(e.table, s)
		e.tableBytes += len(s)
	}
	e.uvarint(id)
}

func (e *encoder) pos(p gdtext.Pos) { e.int(p.Line); e.int(p.Col) }

func (e *encoder) time(t time.Time) {
	switch {
	case t.IsZero():
		e.byte(0)
		return
	case t.Location() == time.UTC:
		e.byte(2)
	default:
		e.byte(1) // local, the location of file times and of time.Now
	}
	e.varint(t.Unix())
	e.uvarint(uint64(t.Nanosecond()))
}

// float writes the bytes reversed, as gob does: the exponent first, so
// that round numbers, whose low mantissa bytes are zero, take few bytes.
func (e *encoder) float(f float64) { e.uvarint(bits.ReverseBytes64(math.Float64bits(f))) }

func (e *encoder) strings(s []string) {
	if s == nil {
		e.uvarint(0)
		return
	}
	e.uvarint(uint64(len(s)) + 1)
	for _, v := range s {
		e.str(v)
	}
}

func (e *encoder) bytes(b []byte) {
	if b == nil {
		e.uvarint(0)
		return
	}
	e.uvarint(uint64(len(b)) + 1)
	e.buf = append(e.buf, b...)
}

// encodeSlice writes a slice's length+1 (0 for nil) and its elements.
func encodeSlice[T any](e *encoder, s []T, elem func(*encoder, *T)) {
	if s == nil {
		e.uvarint(0)
		return
	}
	e.uvarint(uint64(len(s)) + 1)
	for i := range s {
		elem(e, &s[i])
	}
}

func (e *encoder) index(ix *Index) {
	e.time(ix.Built)
	e.varint(int64(ix.Took))
	e.int(ix.Reused)
	e.config(ix.Config)

	rels := slices.Sorted(maps.Keys(ix.cache))
	at := make(map[string]int, len(rels)) // res path -> position in rels
	e.uvarint(uint64(len(rels)))
	for i, rel := range rels {
		f := ix.cache[rel]
		if f == nil {
			e.err = fmt.Errorf("no cache entry for %s", rel)
			return
		}
		if f.Path == "res://"+rel {
			e.byte(1)
		} else {
			e.byte(0)
			e.str(rel)
		}
		e.file(&f.File)
		e.bytes(f.sidecar)
		e.buf = binary.LittleEndian.AppendUint64(e.buf, f.hash)
		at[f.Path] = i
	}

	paths := slices.Sorted(maps.Keys(ix.Files))
	e.uvarint(uint64(len(paths)))
	for _, p := range paths {
		f := ix.Files[p]
		if f == nil {
			e.err = fmt.Errorf("no file for %s", p)
			return
		}
		var tag byte
		i, ok := at[f.Path]
		if ok && sameRead(f, &ix.cache[rels[i]].File) {
			tag |= 1
		}
		if p != f.Path {
			tag |= 2
		}
		e.byte(tag)
		if tag&1 != 0 {
			e.uvarint(uint64(i))
			e.str(f.UID)
			e.importRef(f.Import)
		} else {
			e.file(f)
		}
		if tag&2 != 0 {
			e.str(p)
		}
	}

	e.uvarint(uint64(len(ix.ByUID)))
	for _, k := range slices.Sorted(maps.Keys(ix.ByUID)) {
		e.str(k)
		e.str(ix.ByUID[k])
	}
	e.uvarint(uint64(len(ix.dupUID)))
	for _, k := range slices.Sorted(maps.Keys(ix.dupUID)) {
		e.str(k)
		e.bool(ix.dupUID[k])
	}
	e.uvarint(uint64(len(ix.outside)))
	for _, k := range slices.Sorted(maps.Keys(ix.outside)) {
		e.str(k)
		e.bool(ix.outside[k])
	}
	e.time(ix.checkedAt)
	e.uvarint(uint64(len(ix.Classes)))
	for _, k := range slices.Sorted(maps.Keys(ix.Classes)) {
		e.str(k)
		e.str(ix.Classes[k])
	}
	encodeSlice(e, ix.Autoload, (*encoder).autoload)
	encodeSlice(e, ix.Edges, (*encoder).edge)
	encodeSlice(e, ix.Problems, (*encoder).problem)
}

// sameRead reports whether f is a copy of the cache entry c but for the
// fields Update derives (UID, Import).
func sameRead(f, c *File) bool {
	return f.Path == c.Path && f.Kind == c.Kind && f.Ext == c.Ext && f.Size == c.Size &&
		f.ModTime == c.ModTime && f.Scene == c.Scene && f.Script == c.Script &&
		f.Binary == c.Binary && f.lfs == c.lfs && sameError(f.Err, c.Err)
}

func sameError(a, b error) bool {
	if a == nil || b == nil {
		return a == b
	}
	// Comparing interfaces holding uncomparable values panics.
	return reflect.TypeOf(a) == reflect.TypeOf(b) && reflect.TypeOf(a).Comparable() && a == b
}

func (e *encoder) file(f *File) {
	e.str(f.Path)
	e.str(f.Kind)
	e.str(f.Ext)
	e.varint(f.Size)
	e.time(f.ModTime)
	e.str(f.UID)
	e.sceneRef(f.Scene)
	e.scriptRef(f.Script)
	e.importRef(f.Import)
	e.binaryRef(f.Binary)
	e.error(f.Err)
	e.bool(f.lfs)
}

// error writes an error as its message plus what errors.As and errors.Is
// find in it; a *gdtext.Error stays one.
func (e *encoder) error(err error) {
	if err == nil {
		e.byte(0)
		return
	}
	if ge, ok := err.(*gdtext.Error); ok && ge != nil {
		e.byte(1)
		e.gdError(ge)
		return
	}
	var ge *gdtext.Error
	found := errors.As(err, &ge) && ge != nil
	if found {
		e.byte(3)
	} else {
		e.byte(2)
	}
	e.str(err.Error())
	sentinel := 0
	for i, s := range snapshotSentinels {
		if errors.Is(err, s) {
			sentinel = i + 1
			break
		}
	}
	e.uvarint(uint64(sentinel))
	if found {
		e.gdError(ge)
	}
}

func (e *encoder) gdError(ge *gdtext.Error) {
	e.str(ge.File)
	e.pos(ge.Pos)
	e.str(ge.Msg)
	e.str(ge.Excerpt)
}

func (e *encoder) value(v *gdtext.Value, depth int) {
	if depth > maxValueDepth {
		if e.err == nil {
			e.err = fmt.Errorf("a value nests deeper than %d levels", maxValueDepth)
		}
		e.buf = append(e.buf, byte(gdtext.KindNull), 0, 0, 0)
		return
	}
	var mask byte
	if v.Bool {
		mask |= 1
	}
	if v.Int != 0 {
		mask |= 2
	}
	if math.Float64bits(v.Float) != 0 {
		mask |= 4
	}
	if v.Str != "" {
		mask |= 8
	}
	if v.Items != nil {
		mask |= 16
	}
	if v.Keys != nil {
		mask |= 32
	}
	if v.Type != nil {
		mask |= 64
	}
	e.buf = append(e.buf, byte(v.Kind), mask)
	e.pos(v.Pos)
	if mask&2 != 0 {
		e.varint(v.Int)
	}
	if mask&4 != 0 {
		e.float(v.Float)
	}
	if mask&8 != 0 {
		e.str(v.Str)
	}
	for _, list := range [...][]gdtext.Value{v.Items, v.Keys, v.Type} {
		if list != nil {
			e.uvarint(uint64(len(list)))
			for i := range list {
				e.value(&list[i], depth+1)
			}
		}
	}
}

func (e *encoder) config(c *gdtext.Config) {
	if c == nil {
		e.byte(0)
		return
	}
	e.byte(1)
	encodeSlice(e, c.Entries, (*encoder).entry)
}

func (e *encoder) entry(en *gdtext.Entry) {
	e.str(en.Section)
	e.str(en.Key)
	e.value(&en.Value, 0)
	e.pos(en.Pos)
}

func (e *encoder) autoload(a *Autoload) {
	e.str(a.Name)
	e.str(a.Path)
	e.str(a.Written)
	e.bool(a.Singleton)
	e.int(a.Line)
}

func (e *encoder) edge(ed *Edge) {
	e.str(ed.From)
	e.str(ed.To)
	e.str(ed.Kind)
	e.int(ed.Line)
	e.str(ed.Detail)
}

func (e *encoder) problem(p *Problem) {
	e.str(p.Kind)
	e.str(p.File)
	e.int(p.Line)
	e.str(p.Target)
	e.str(p.Missing)
	e.str(p.Message)
}

// Summary pointers: 0 nil, 1 and the summary, 2+k the k-th again.

func (e *encoder) sceneRef(s *resfile.File) {
	if s == nil {
		e.uvarint(0)
	} else if id, ok := e.scenes[s]; ok {
		e.uvarint(id + 2)
	} else {
		e.scenes[s] = uint64(len(e.scenes))
		e.uvarint(1)
		e.scene(s)
	}
}

func (e *encoder) scriptRef(s *gdscript.Script) {
	if s == nil {
		e.uvarint(0)
	} else if id, ok := e.scripts[s]; ok {
		e.uvarint(id + 2)
	} else {
		e.scripts[s] = uint64(len(e.scripts))
		e.uvarint(1)
		e.script(s, 0)
	}
}

func (e *encoder) importRef(m *uid.Import) {
	if m == nil {
		e.uvarint(0)
	} else if id, ok := e.imports[m]; ok {
		e.uvarint(id + 2)
	} else {
		e.imports[m] = uint64(len(e.imports))
		e.uvarint(1)
		e.str(m.UID)
		e.str(m.Type)
		e.str(m.Importer)
		e.str(m.Path)
		e.str(m.SourceFile)
		e.strings(m.DestFiles)
		e.bool(m.Valid)
	}
}

func (e *encoder) binaryRef(b *uid.Binary) {
	if b == nil {
		e.uvarint(0)
	} else if id, ok := e.binaries[b]; ok {
		e.uvarint(id + 2)
	} else {
		e.binaries[b] = uint64(len(e.binaries))
		e.uvarint(1)
		e.str(b.Type)
		e.str(b.UID)
		e.str(b.ScriptClass)
		var flags byte
		if b.Compressed {
			flags |= 1
		}
		if b.BigEndian {
			flags |= 2
		}
		e.byte(flags)
		e.uvarint(uint64(b.Major))
		e.uvarint(uint64(b.Minor))
		e.uvarint(uint64(b.Format))
	}
}

func (e *encoder) scene(s *resfile.File) {
	e.str(s.Kind)
	e.int(s.Format)
	e.int(s.LoadSteps)
	e.str(s.UID)
	e.str(s.Type)
	e.str(s.ScriptClass)
	encodeSlice(e, s.ExtResources, (*encoder).extResource)
	encodeSlice(e, s.SubResources, (*encoder).subResource)
	encodeSlice(e, s.Resource, (*encoder).prop)
	encodeSlice(e, s.Nodes, (*encoder).node)
	encodeSlice(e, s.Connections, (*encoder).connection)
	e.strings(s.Editable)
	encodeSlice(e, s.Errors, func(e *encoder, err *error) { e.error(*err) })
}

func (e *encoder) extResource(r *resfile.ExtResource) {
	e.str(r.ID)
	e.str(r.Type)
	e.str(r.Path)
	e.str(r.UID)
	e.int(r.Line)
}

func (e *encoder) subResource(r *resfile.SubResource) {
	e.str(r.ID)
	e.str(r.Type)
	e.int(r.Line)
	encodeSlice(e, r.Props, (*encoder).prop)
	e.str(r.Source)
}

func (e *encoder) prop(p *resfile.Prop) {
	e.str(p.Name)
	e.value(&p.Value, 0)
	e.int(p.Line)
}

func (e *encoder) node(n *resfile.Node) {
	e.str(n.Name)
	e.str(n.Type)
	e.str(n.Parent)
	e.str(n.Path)
	e.str(n.Instance)
	e.str(n.InstancePlaceholder)
	e.str(n.Owner)
	e.strings(n.Groups)
	e.strings(n.NodePaths)
	e.int(n.Index)
	e.str(n.Script.Kind)
	e.str(n.Script.ID)
	encodeSlice(e, n.Props, (*encoder).prop)
	e.int(n.Line)
	var flags byte
	if n.Inherited {
		flags |= 1
	}
	if n.Override {
		flags |= 2
	}
	e.byte(flags)
	e.str(n.UniqueID)
	e.str(n.ParentIDPath)
	e.pos(n.InstancePos)
}

func (e *encoder) connection(c *resfile.Connection) {
	e.str(c.Signal)
	e.str(c.From)
	e.str(c.To)
	e.str(c.Method)
	e.int(c.Flags)
	e.value(&c.Binds, 0)
	e.int(c.Unbinds)
	e.str(c.FromIDPath)
	e.str(c.ToIDPath)
	e.int(c.Line)
}

func (e *encoder) script(s *gdscript.Script, depth int) {
	if depth > maxClassDepth {
		if e.err == nil {
			e.err = fmt.Errorf("inner classes nest deeper than %d levels", maxClassDepth)
		}
		s = &gdscript.Script{}
	}
	e.str(s.Name)
	e.int(s.Line)
	e.int(s.EndLine)
	e.str(s.Doc)
	var flags byte
	if s.Tool {
		flags |= 1
	}
	if s.Abstract {
		flags |= 2
	}
	if s.StaticUnload {
		flags |= 4
	}
	if s.ExtendsPath {
		flags |= 8
	}
	e.byte(flags)
	e.str(s.ClassName)
	e.int(s.ClassNameLine)
	e.str(s.Icon)
	e.str(s.Extends)
	e.str(s.ExtendsInner)
	e.int(s.ExtendsLine)
	encodeSlice(e, s.Signals, (*encoder).signal)
	encodeSlice(e, s.Variables, (*encoder).variable)
	encodeSlice(e, s.Constants, (*encoder).constant)
	encodeSlice(e, s.Enums, (*encoder).enum)
	encodeSlice(e, s.Functions, (*encoder).function)
	encodeSlice(e, s.Classes, func(e *encoder, c **gdscript.Script) {
		if *c == nil {
			e.byte(0)
			return
		}
		e.byte(1)
		e.script(*c, depth+1)
	})
	encodeSlice(e, s.Loads, (*encoder).load)
	encodeSlice(e, s.Paths, (*encoder).pathRef)
	encodeSlice(e, s.NodePaths, (*encoder).nodePathRef)
	encodeSlice(e, s.SignalUses, (*encoder).signalUse)
	encodeSlice(e, s.TypeRefs, (*encoder).typeRef)
	encodeSlice(e, s.Errors, (*encoder).scriptError)
}

func (e *encoder) load(l *gdscript.Load) {
	e.str(l.Kind)
	e.str(l.Path)
	e.int(l.Line)
	e.bool(l.Dynamic)
}

func (e *encoder) pathRef(r *gdscript.PathRef) {
	e.str(r.Path)
	e.int(r.Line)
}

func (e *encoder) nodePathRef(r *gdscript.NodePathRef) {
	e.str(r.Path)
	e.int(r.Line)
	e.str(r.Kind)
}

func (e *encoder) signalUse(u *gdscript.SignalUse) {
	e.str(u.Signal)
	e.int(u.Line)
	e.str(u.Kind)
}

func (e *encoder) typeRef(r *gdscript.TypeRef) {
	e.str(r.Name)
	e.int(r.Line)
}

func (e *encoder) scriptError(er *gdscript.Error) {
	e.str(er.File)
	e.int(er.Pos.Line)
	e.int(er.Pos.Col)
	e.str(er.Msg)
}

func (e *encoder) param(p *gdscript.Param) {
	e.str(p.Name)
	e.str(p.Type)
	e.str(p.Default)
	e.bool(p.Variadic)
}

func (e *encoder) call(c *gdscript.Call) {
	e.str(c.Name)
	e.int(c.Line)
}

func (e *encoder) signal(s *gdscript.Signal) {
	e.str(s.Name)
	e.int(s.Line)
	encodeSlice(e, s.Params, (*encoder).param)
	e.str(s.Doc)
}

func (e *encoder) variable(v *gdscript.Variable) {
	e.str(v.Name)
	e.str(v.Type)
	e.int(v.Line)
	e.str(v.Value)
	var flags byte
	if v.Exported {
		flags |= 1
	}
	if v.Onready {
		flags |= 2
	}
	if v.Static {
		flags |= 4
	}
	e.byte(flags)
	e.str(v.Export)
	e.str(v.Setter)
	e.str(v.Getter)
	e.str(v.RPC)
	encodeSlice(e, v.Calls, (*encoder).call)
	e.str(v.Doc)
}

func (e *encoder) constant(c *gdscript.Constant) {
	e.str(c.Name)
	e.str(c.Type)
	e.str(c.Value)
	e.int(c.Line)
	e.str(c.Doc)
}

func (e *encoder) enum(en *gdscript.Enum) {
	e.str(en.Name)
	e.int(en.Line)
	e.strings(en.Values)
	e.str(en.Doc)
}

func (e *encoder) function(f *gdscript.Function) {
	e.str(f.Name)
	e.int(f.Line)
	e.int(f.EndLine)
	encodeSlice(e, f.Params, (*encoder).param)
	e.str(f.ReturnType)
	var flags byte
	if f.Static {
		flags |= 1
	}
	if f.Abstract {
		flags |= 2
	}
	e.byte(flags)
	e.str(f.RPC)
	encodeSlice(e, f.Calls, (*encoder).call)
	e.str(f.Doc)
}
