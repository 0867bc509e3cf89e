package mcpconn

// RawID exposes rawID to the tests.
var RawID = rawID
