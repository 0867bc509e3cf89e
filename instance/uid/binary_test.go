package uid

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// header is a binary resource header to build.
type header struct {
	big                  bool
	major, minor, format uint32
	typ, scriptClass     string
	flags                uint32
	uid                  uint64
}

// rsrc writes h as the engine's saver does, followed by some body bytes.
func rsrc(h header) []byte {
	var b bytes.Buffer
	var order binary.ByteOrder = binary.LittleEndian
	b.WriteString("RSRC")
	w := func(v any) { binary.Write(&b, order, v) }
	str := func(s string) { w(uint32(len(s) + 1)); b.WriteString(s); b.WriteByte(0) }
	if h.big {
		w(uint32(1))
		w(uint32(0))
		order = binary.BigEndian
	} else {
		w(uint32(0))
		w(uint32(0))
	}
	w(h.major)
	w(h.minor)
	w(h.format)
	str(h.typ)
	w(uint64(0))
	if h.format <= 3 {
		for range 14 {
			w(uint32(0))
		}
	} else {
		w(h.flags)
		w(h.uid)
		if h.flags&flagScriptClass != 0 {
			str(h.scriptClass)
		}
		for range 11 {
			w(uint32(0))
		}
	}
	b.WriteString(strings.Repeat("body", 100))
	return b.Bytes()
}

// rscc compresses data as FileAccessCompressed does, in blocks of size bs.
func rscc(t testing.TB, data []byte, bs int) []byte {
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	var blocks [][]byte
	for i := 0; i <= len(data)/bs; i++ {
		blocks = append(blocks, enc.EncodeAll(data[i*bs:min(len(data), (i+1)*bs)], nil))
	}
	var b bytes.Buffer
	b.WriteString("RSCC")
	w := func(v uint32) { binary.Write(&b, binary.LittleEndian, v) }
	w(modeZstd)
	w(uint32(bs))
	w(uint32(len(data)))
	for _, bl := range blocks {
		w(uint32(len(bl)))
	}
	for _, bl := range blocks {
		b.Write(bl)
	}
	b.WriteString("RSCC")
	return b.Bytes()
}

func TestReadBinary(t *testing.T) {
	g4 := header{major: 4, minor: 3, format: 6, typ: "ArrayMesh", flags: flagUIDs, uid: 3545887397788631717}
	withClass := header{major: 4, minor: 4, format: 6, typ: "Resource", flags: flagUIDs | flagScriptClass, uid: 1, scriptClass: "Stats"}
	noUID := header{major: 4, minor: 0, format: 4, typ: "Animation", uid: 42}
	g3 := header{major: 3, minor: 5, format: 3, typ: "SpatialMaterial"}
	big := g4
	big.big = true
	for _, tc := range []struct {
		name string
		src  []byte
		want Binary
	}{
		{"godot4", rsrc(g4), Binary{Type: "ArrayMesh", UID: "uid://bqrwin8ccgptt", Major: 4, Minor: 3, Format: 6}},
		{"script class", rsrc(withClass), Binary{Type: "Resource", UID: "uid://b", ScriptClass: "Stats", Major: 4, Minor: 4, Format: 6}},
		{"no uid flag", rsrc(noUID), Binary{Type: "Animation", Major: 4, Format: 4}},
		{"godot3", rsrc(g3), Binary{Type: "SpatialMaterial", Major: 3, Minor: 5, Format: 3}},
		{"big endian", rsrc(big), Binary{Type: "ArrayMesh", UID: "uid://bqrwin8ccgptt", BigEndian: true, Major: 4, Minor: 3, Format: 6}},
		{"rscc", rscc(t, rsrc(g4)[4:], 4096), Binary{Type: "ArrayMesh", UID: "uid://bqrwin8ccgptt", Compressed: true, Major: 4, Minor: 3, Format: 6}},
		// Blocks of 7 bytes: the header spans a dozen blocks.
		{"rscc small blocks", rscc(t, rsrc(withClass)[4:], 7), Binary{Type: "Resource", UID: "uid://b", ScriptClass: "Stats", Compressed: true, Major: 4, Minor: 4, Format: 6}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadBinary(bytes.NewReader(tc.src))
			if err != nil || got != tc.want {
				t.Errorf("ReadBinary = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestReadBinaryErrors(t *testing.T) {
	g4 := rsrc(header{major: 4, minor: 3, format: 6, typ: "ArrayMesh", flags: flagUIDs, uid: 7})
	hugeType := append([]byte(nil), g4...)
	binary.LittleEndian.PutUint32(hugeType[24:], 0xFFFFFFF0)
	comp := rscc(t, g4[4:], 4096)
	deflate := append([]byte(nil), comp...)
	binary.LittleEndian.PutUint32(deflate[4:], 1)
	zeroBlock := append([]byte(nil), comp...)
	binary.LittleEndian.PutUint32(zeroBlock[8:], 0)
	hugeBlock := append([]byte(nil), comp...)
	binary.LittleEndian.PutUint32(hugeBlock[8:], 1<<31)
	hugeCompressed := append([]byte(nil), comp...)
	binary.LittleEndian.PutUint32(hugeCompressed[16:], 1<<30)
	garbage := append([]byte(nil), comp...)
	copy(garbage[20:], "not zstd at all")
	for _, tc := range []struct {
		name string
		src  []byte
		want error
	}{
		{"empty", nil, ErrNotBinary},
		{"short magic", []byte("RS"), ErrNotBinary},
		{"text", []byte("[gd_scene format=3]\n"), ErrNotBinary},
		{"truncated", g4[:30], io.ErrUnexpectedEOF},
		{"huge type length", hugeType, ErrCorrupt},
		{"deflate", deflate, ErrCompression},
		{"zero block size", zeroBlock, ErrCorrupt},
		{"huge block size", hugeBlock, ErrCorrupt},
		{"huge compressed block", hugeCompressed, ErrCorrupt},
		{"not zstd", garbage, ErrCompression},
		{"truncated rscc", comp[:30], io.ErrUnexpectedEOF},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadBinary(bytes.NewReader(tc.src))
			if !errors.Is(err, tc.want) {
				t.Errorf("ReadBinary = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestReadBinaryReadsOnlyTheHeader checks that ReadBinary stops after the
// header, on a reader that fails past it.
func TestReadBinaryReadsOnlyTheHeader(t *testing.T) {
	src := rsrc(header{major: 4, minor: 3, format: 6, typ: "ArrayMesh", flags: flagUIDs, uid: 7})
	r := io.MultiReader(bytes.NewReader(src[:60]), failingReader{})
	if b, err := ReadBinary(r); err != nil || b.UID != Encode(7) {
		t.Errorf("ReadBinary = %+v, %v", b, err)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("read past the header") }
