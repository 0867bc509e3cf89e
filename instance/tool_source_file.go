package instance

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/mcp"
)

// Bounds of get_source_file. One answer stays well under the ~25,000 tokens
// a client accepts, even though the text rendering repeats the content:
// sourceMaxBytes bounds the content as JSON encodes it (quotes, control
// characters and <, >, & grow when escaped), not its raw bytes.
const (
	sourceMaxLines     = 2000
	sourceMaxBytes     = 36 << 10
	sourceMaxFileBytes = 32 << 20 // larger files are refused: no project source is this big
)

// SourceFile is what get_source_file returns.
type SourceFile struct {
	Path       string `json:"path" jsonschema:"the file's res:// path"`
	Size       int64  `json:"size" jsonschema:"file size in bytes"`
	TotalLines int    `json:"total_lines"`
	StartLine  int    `json:"start_line" jsonschema:"first line returned (1-based); 0 when the file is empty"`
	EndLine    int    `json:"end_line" jsonschema:"last line returned"`
	Truncated  bool   `json:"truncated" jsonschema:"true when lines after end_line were asked for but not returned"`
	NextLine   int    `json:"next_line,omitempty" jsonschema:"pass as start_line to read on"`
	LFSPointer bool   `json:"lfs_pointer,omitempty" jsonschema:"the file is a Git LFS pointer, not the real content"`
	Content    string `json:"content"`
}

func sourceFileTool() tool {
	return tool{
		def: mcp.NewTool("get_source_file",
			mcp.WithDescription("Read a text file of the project (script, scene, resource, shader, config) by res:// path or path relative to the project root, optionally a line range. At most 2000 lines / 36 KiB per call; `truncated` and `next_line` say how to read on."),
			mcp.WithString("path", mcp.Required(), mcp.Description("res://path/to/file.gd, or a path relative to the project root")),
			mcp.WithNumber("start_line", mcp.Description("first line to return, 1-based (default 1)"), mcp.Min(1)),
			mcp.WithNumber("end_line", mcp.Description("last line to return, inclusive (default: as many as the bounds allow)"), mcp.Min(1)),
			mcp.WithReadOnlyHintAnnotation(true),
			mcp.WithDestructiveHintAnnotation(false),
			mcp.WithIdempotentHintAnnotation(true),
			mcp.WithOpenWorldHintAnnotation(false),
		),
		handle: (*Server).getSourceFile,
		out:    mcp.WithOutputSchema[SourceFile](),
	}
}

func (s *Server) getSourceFile(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	path, err := argString(req, "path", true)
	if err != nil {
		return toolError("get_source_file: %v", err), nil
	}
	start, err := argInt(req, "start_line", 1)
	if err != nil {
		return toolError("get_source_file: %v", err), nil
	}
	end, err := argInt(req, "end_line", 0)
	if err != nil {
		return toolError("get_source_file: %v", err), nil
	}
	if start < 1 {
		return toolError("get_source_file: start_line must be 1 or more, got %d", start), nil
	}
	if end != 0 && end < start {
		return toolError("get_source_file: end_line %d is before start_line %d", end, start), nil
	}

	abs, res, err := s.resolvePath(path)
	if err != nil {
		return toolError("get_source_file: %v", err), nil
	}
	out, err := readSource(abs, start, end, sourceMaxBytes)
	if err != nil {
		return toolError("get_source_file: %s: %v", res, err), nil
	}
	out.Path = res

	var text strings.Builder
	switch {
	case out.TotalLines == 0:
		fmt.Fprintf(&text, "%s is empty.", res)
	case out.StartLine > out.TotalLines:
		fmt.Fprintf(&text, "%s has %d lines; start_line %d is past the end.", res, out.TotalLines, start)
	default:
		fmt.Fprintf(&text, "%s lines %d-%d of %d", res, out.StartLine, out.EndLine, out.TotalLines)
		if out.Truncated {
			fmt.Fprintf(&text, " (truncated; continue with start_line=%d)", out.NextLine)
		}
		if out.LFSPointer {
			text.WriteString(" [Git LFS pointer: the real file is not checked out]")
		}
		text.WriteString(":\n")
		text.WriteString(out.Content)
	}
	return structured(out, text.String()), nil
}

// readSource reads lines [start, end] (end 0 = as many as fit) of a text
// file, at most sourceMaxLines lines and budget bytes once JSON-encoded, and
// counts all its lines.
func readSource(abs string, start, end, budget int) (SourceFile, error) {
	var out SourceFile
	// O_NONBLOCK: a FIFO planted in the project must not hang the call in
	// open(2); the mode check below then refuses it.
	f, err := os.OpenFile(abs, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return out, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return out, err
	}
	if st.IsDir() {
		return out, fmt.Errorf("is a folder, not a file")
	}
	if !st.Mode().IsRegular() {
		return out, fmt.Errorf("is not a regular file")
	}
	if st.Size() > sourceMaxFileBytes {
		return out, fmt.Errorf("file is %d bytes; files over %d bytes are not served", st.Size(), sourceMaxFileBytes)
	}
	out.Size = st.Size()

	br := bufio.NewReaderSize(f, 64<<10)
	head, _ := br.Peek(8 << 10)
	if bytes.IndexByte(head, 0) >= 0 {
		return out, fmt.Errorf("binary file (%d bytes); only text files can be read", st.Size())
	}
	out.LFSPointer = bytes.HasPrefix(head, []byte("version https://git-lfs.github.com/spec/"))

	var content strings.Builder
	cost := 0 // the content's size once JSON-encoded: what the budget bounds
	line := 0
	for {
		raw, err := br.ReadString('\n')
		if len(raw) > 0 {
			line++
			if line == 1 {
				raw = strings.TrimPrefix(raw, "\uFEFF")
			}
			if line >= start && (end == 0 || line <= end) && !out.Truncated {
				text := strings.TrimRight(raw, "\r\n")
				if !utf8.ValidString(text) {
					text = strings.ToValidUTF8(text, "\uFFFD")
				}
				lines := out.EndLine - out.StartLine + 1
				if out.StartLine == 0 {
					lines = 0
				}
				lineCost := jsonLen(text) + 2 // the line and its escaped "\n"
				switch {
				case lines == 0 && lineCost > budget:
					// One line larger than the whole budget (minified data):
					// return its head rather than nothing.
					cut := cutToBudget(text, budget-2)
					out.StartLine, out.EndLine = line, line
					content.WriteString(cut)
					content.WriteByte('\n')
					cost += jsonLen(cut) + 2
					out.Truncated = true
					out.NextLine = line + 1
				case lines >= sourceMaxLines || cost+lineCost > budget:
					out.Truncated = true
					out.NextLine = line
				default:
					if out.StartLine == 0 {
						out.StartLine = line
					}
					out.EndLine = line
					content.WriteString(text)
					content.WriteByte('\n')
					cost += lineCost
				}
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return out, err
		}
	}
	out.TotalLines = line
	if out.StartLine == 0 && line > 0 {
		out.StartLine = start
		out.EndLine = start - 1
	}
	out.Content = content.String()
	return out, nil
}

// jsonLen is the length of s inside a JSON string as encoding/json writes
// it (HTML characters escaped).
func jsonLen(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n += jsonByteLen(s, i)
	}
	return n
}

func jsonByteLen(s string, i int) int {
	switch c := s[i]; {
	case c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f':
		return 2
	case c < 0x20 || c == '<' || c == '>' || c == '&':
		return 6
	case c == 0xe2 && i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xa8 || s[i+2] == 0xa9):
		return 6 - 2 // U+2028 and U+2029 become \u2028: 6 bytes for 3, counted on the first
	}
	return 1
}

// cutToBudget returns the longest head of s, cut on a rune boundary, whose
// JSON-encoded length is at most budget.
func cutToBudget(s string, budget int) string {
	n := 0
	for i, r := range s {
		w := 0
		size := utf8.RuneLen(r)
		if size < 0 {
			size = 1
		}
		for k := 0; k < size && i+k < len(s); k++ {
			w += jsonByteLen(s, i+k)
		}
		if n+w > budget {
			return s[:i]
		}
		n += w
	}
	return s
}
