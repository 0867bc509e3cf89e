//go:build !unix

package index

func walk(root string) ([]walked, error) { return walkPortable(root) }

func walkAt(root string, rels []string) []walked { return walkPortableAt(root, rels) }
