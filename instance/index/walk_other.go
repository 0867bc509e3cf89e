//go:build !unix

package index

func walk(root string) ([]walked, error) { return walkPortable(root) }
