package detect

import (
	"fmt"
	"strings"
)

// Explain renders a Decision for people, as `godot-mcp-router detect [DIR]`
// prints it.
func Explain(d Decision) string {
	var b strings.Builder
	p := d.Project
	fmt.Fprintf(&b, "project:     %s\n", p.ID())
	fmt.Fprintf(&b, "root:        %s\n", p.Root)
	fmt.Fprintf(&b, "name:        %s\n", p.Name)
	engine := "Godot " + p.Engine
	if !p.Supported {
		engine += " (not supported)"
	}
	fmt.Fprintf(&b, "engine:      %s\n", engine)
	if p.MainScene != "" {
		fmt.Fprintf(&b, "main scene:  %s\n", p.MainScene)
	}
	fmt.Fprintf(&b, "source:      %s\n", d.Source)
	fmt.Fprintf(&b, "confidence:  %s\n", d.Confidence)
	fmt.Fprintf(&b, "reason:      %s\n", d.Reason)
	if len(d.Alternatives) > 0 {
		b.WriteString("alternatives (pass project=<id> to choose one):\n")
		for _, a := range d.Alternatives {
			fmt.Fprintf(&b, "  %-24s %s\n", a.ID(), a.Root)
		}
	}
	return b.String()
}
