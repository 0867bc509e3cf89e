package index

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// rawPayload is a snapshot's payload decompressed.
func rawPayload(tb testing.TB, data []byte) []byte {
	tb.Helper()
	h, payload, err := readSnapshotHeader(data)
	if err != nil {
		tb.Fatal(err)
	}
	zr, err := snapshotDecoder()
	if err != nil {
		tb.Fatal(err)
	}
	raw, err := zr.DecodeAll(payload, make([]byte, 0, h.rawLen))
	if err != nil {
		tb.Fatal(err)
	}
	return raw
}

// FuzzRestore gives Restore damaged snapshots, and the payload decoder
// damaged payloads (the checksums turn away nearly every mutation of a
// whole snapshot before the decoder sees it). Neither may panic or hang;
// both go without Restore's last-defence recover, so that a decoder bug
// shows.
func FuzzRestore(f *testing.F) {
	// A tiny project holding every kind of thing a snapshot holds: the
	// fuzzer minimizes each new input in time quadratic in its size, so
	// the seeds are kept to about a kilobyte.
	const root = "/g"
	dir := f.TempDir()
	for name, content := range map[string]string{
		"project.godot": "[autoload]\nA=\"*res://a.gd\"\n",
		"a.gd":          "@tool\nclass_name A\nextends Node\nsignal s(x)\nenum E {X}\nconst C = preload(\"s.tscn\")\nvar v: int = 1\nclass I:\n\tfunc f(a): g()\n",
		"s.tscn":        "[gd_scene format=3 uid=\"uid://u\"]\n[ext_resource type=\"Script\" path=\"a.gd\" id=\"1\"]\n[sub_resource type=\"GDScript\" id=\"2\"]\nscript/source = \"extends A\"\n[node name=\"S\" type=\"Node\"]\nscript = ExtResource(\"1\")\nv = {1: [2.5, &\"n\", Object(Node, \"k\": 1)]}\n[node name=\"I\" parent=\".\" instance=ExtResource(\"1\")]\n[connection signal=\"r\" from=\".\" to=\".\" method=\"f\" binds=[1]]\nx = [\n",
		"t.png.import":  "[remap]\nuid=\"uid://t\"\n[deps]\ndest_files=[\"a\"]\n",
		"t.png":         "",
		"b.res":         "RSRC",
		"c.gd":          "func g(:\n",
		"b.res.uid":     "uid://b\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			f.Fatal(err)
		}
	}
	ix, err := Build(dir)
	if err != nil {
		f.Fatal(err)
	}
	ix.Root = root
	data, err := ix.Snapshot("b")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add(rawPayload(f, data))
	f.Fuzz(func(t *testing.T, in []byte) {
		ix, err := restore(root, "b", in)
		if (err == nil) == (ix == nil) || (err != nil && !errors.Is(err, ErrSnapshotCorrupt) && !errors.Is(err, ErrSnapshotFormat)) {
			t.Fatalf("restore: %v, %v", ix, err)
		}
		ix, err = decodePayload(in)
		if (err == nil) == (ix == nil) || (err != nil && !errors.Is(err, ErrSnapshotCorrupt)) {
			t.Fatalf("decodePayload: %v, %v", ix, err)
		}
		if err != nil {
			return
		}
		// Whatever decodes encodes again to the same.
		ix.Root = root
		ix.indexEdges()
		ix.engine = engineClasses()
		again, _ := roundTrip(t, ix)
		requireSame(t, ix, again)
	})
}
