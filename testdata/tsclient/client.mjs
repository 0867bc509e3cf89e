// The official MCP TypeScript SDK as a client of godot-mcp-router: connect
// over stdio, list the tools, call a few, print one JSON summary line.
// Usage: node client.mjs <router binary> <project folder>
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const [binary, project] = process.argv.slice(2);
const transport = new StdioClientTransport({ command: binary, args: [], cwd: project, env: process.env, stderr: "inherit" });
const client = new Client({ name: "ts-sdk-e2e", version: "1.0.0" }, { capabilities: {} });
await client.connect(transport);
const tools = await client.listTools();
// The SDK checks each structuredContent against the tool's outputSchema and
// throws when they disagree: every tool is called once.
const args = {
  get_script: { path: "res://player.gd" },
  get_scene: { path: "res://main.tscn", expand_instances: true },
  get_source_file: { path: "res://player.gd", end_line: 3 },
  analyze_dependencies: { path: "res://player.gd", transitive: true },
  search_scripts: { query: "velocity" },
  find_references: { target: "Player" },
  ping: { message: "hi" },
  run_project: { headless: true, wait_seconds: 5, args: ["--level", "2"] },
  wait_for_build: { timeout_seconds: 30 },
  validate_scripts: { paths: ["res://player.gd"] },
};
// The tools that read what another started go after it: a build, a run.
const later = ["get_build_status", "wait_for_build", "cancel_build", "get_run_output", "stop_project"];
const ordered = [...tools.tools.filter((t) => !later.includes(t.name)), ...later.map((n) => tools.tools.find((t) => t.name === n)).filter(Boolean)];
const results = {};
for (const t of ordered) {
  const res = await client.callTool({ name: t.name, arguments: args[t.name] ?? {} });
  if (res.isError) {
    throw new Error(`${t.name}: ${JSON.stringify(res.content)}`);
  }
  results[t.name] = res;
}
const info = results.get_project_info;
const scene = results.get_scene;
const bad = await client.callTool({ name: "get_script", arguments: { path: 42 } });
console.log(JSON.stringify({
  server: client.getServerVersion(),
  protocol: transport.protocolVersion ?? null,
  tools: tools.tools.map((t) => t.name),
  outputSchemas: tools.tools.filter((t) => t.outputSchema).length,
  infoName: info.structuredContent?.name,
  sceneNodes: scene.structuredContent?.total_nodes,
  called: Object.keys(results).length,
  badIsError: bad.isError === true,
}));
await client.close();
