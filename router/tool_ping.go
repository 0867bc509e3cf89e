package router

import (
	"context"
	"fmt"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
)

// Pong is what ping returns.
type Pong struct {
	Message   string  `json:"message"`
	Server    string  `json:"server"`
	Version   string  `json:"version"`
	PID       int     `json:"pid"`
	UptimeSec float64 `json:"uptime_seconds"`
}

func pingTool() mcp.Tool {
	return mcp.NewTool("ping",
		mcp.WithDescription("Check that the router answers; echoes `message`. Starts no instance."),
		mcp.WithString("message", mcp.Description("text to echo back")),
		mcp.WithOutputSchema[Pong](),
		mcp.WithReadOnlyHintAnnotation(true),
		mcp.WithDestructiveHintAnnotation(false),
		mcp.WithIdempotentHintAnnotation(true),
		mcp.WithOpenWorldHintAnnotation(false),
	)
}

func (r *Router) ping(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	msg, ok := req.GetArguments()["message"]
	text := ""
	if ok && msg != nil {
		s, isString := msg.(string)
		if !isString {
			return mcp.NewToolResultError(fmt.Sprintf("ping: argument \"message\" must be a string, got %T", msg)), nil
		}
		text = s
	}
	if text == "" {
		text = "pong"
	}
	p := Pong{
		Message:   text,
		Server:    "godot-mcp-router",
		Version:   r.version,
		PID:       r.pid,
		UptimeSec: time.Since(r.started).Round(time.Millisecond).Seconds(),
	}
	return mcp.NewToolResultStructured(p, text), nil
}
